import Foundation
import Torch

/// Data-parallel training as PyTorch's `DistributedDataParallel` does it with its defaults
/// (torch/nn/parallel/distributed.py, torch/csrc/distributed/c10d/reducer.cpp), over a c10d `ProcessGroup`:
///
/// - at the start, every rank takes rank 0's parameters and buffers (DDP's `_sync_module_states`);
/// - after each backward, the gradients are averaged over the N ranks in flat buckets,
///   g <- (1/N) sum_r g^(r), so every rank's optimizer takes the same step (the gradient of the global
///   batch, each rank having seen B/N of its images);
/// - the buffers (BN running statistics) are rank 0's after every step (`broadcast_buffers=True`);
/// - at the end the ranks compare their weights with rank 0's (`agreement`), a check DDP leaves out.
///
/// It runs in the `.gradients` phase, between backward and the optimizer step. A rank that stopped or a
/// network failure fails the collective; the error says which rank saw it and how to continue.
///
/// ```swift
/// let group = try ProcessGroup(host: "127.0.0.1", port: 29500, rank: rank, worldSize: 2)
/// trainer.hooks.append(DataParallelHook(group: group, parameters: task.parameters(), buffers: buffers))
/// ```
public final class DataParallelHook: TrainerHook {
    public let group: ProcessGroup
    private let parameters: [Tensor]
    private let buffers: [Tensor]
    /// After the run: the sum over ranks r of max |w_r - w_0| over all weights and buffers; 0 exactly when
    /// every rank holds rank 0's values.
    public private(set) var agreement: Double?

    public var phase: HookPhase { .gradients }

    public init(group: ProcessGroup, parameters: [Tensor], buffers: [Tensor]) {
        self.group = group
        self.parameters = parameters
        self.buffers = buffers
    }

    public func runStarted(_ run: RunStart) throws {
        try collective("the first step") { try group.broadcast(parameters + buffers, from: 0) }
    }

    public func gradientsReady(step: Int) throws {
        let grads = parameters.compactMap(\.grad)
        guard grads.count == parameters.count else {
            throw TailKitError.invalidOption("data-parallel step \(step + 1): \(parameters.count - grads.count) of \(parameters.count) parameters got no gradient; every rank must use every parameter")
        }
        try collective("step \(step + 1)") {
            try group.allReduce(grads, average: true)
            if !buffers.isEmpty { try group.broadcast(buffers, from: 0) }
        }
    }

    public func runEnded() throws {
        try collective("the end of training") {
            let state = parameters + buffers
            let copies = try state.map { try $0.detach().clone() }
            try group.broadcast(copies, from: 0)
            var largest = 0.0
            for (own, zero) in zip(state, copies) where own.dtype.isFloatingPoint {
                largest = max(largest, try (own.detach() - zero).abs().max().item())
            }
            let total = try Tensor([largest])
            try group.allReduce([total])  // rank 0 adds 0: the sum of the others' largest differences bounds them all
            agreement = try total.item()
        }
    }

    /// Runs a collective; a failure names this rank, the step and how to continue.
    private func collective(_ when: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as TorchError {
            throw TailKitError.distributed(
                "rank \(group.rank) of \(group.worldSize): the collective of \(when) failed: \(error). Another rank stopped or the network failed; rank 0's last checkpoint is kept: continue with the same --world-size and --resume RUN")
        }
    }
}
