import Foundation
import TailData
import Torch
import TorchNN

/// MoCo v2 self-supervised pre-training, as imbalanced-semi-self's `pretrain_moco.py` with
/// `moco/builder.py` (Yang & Xu, NeurIPS 2020; He et al., CVPR 2020; Chen et al. 2020): two `moco`
/// views of every long-tailed training image (labels
/// unused), a query encoder trained by SGD, a key encoder that follows it by momentum
/// (θk ← m·θk + (1−m)·θq, before each key computation), a queue of K earlier keys as negatives,
/// and InfoNCE as cross entropy with the positive at index 0 of [q·k, q·queue] / T. After each
/// optimizer step the batch's keys enter the queue.
///
/// Shuffle-BN in one process. The reference runs the key encoder on a batch shuffled across
/// GPUs, so that a query and its positive key never get their batch-norm statistics from the
/// same group of images (otherwise the network can find the positive through the statistics
/// instead of the content: the BN "information leak"). Here the batch is cut into `bnSplits`
/// groups that stand for the GPUs: queries run group by group in loader order; keys are shuffled
/// with a seeded permutation, run group by group, and put back in order. Every group has its own
/// BN statistics and updates the running ones in turn, as each GPU's BN would.
///
/// Checkpoint: `state_dict` is the query encoder's backbone under the supervised model's key
/// names (what `tailkit train --pretrained` takes); the task state holds the query head, the key
/// encoder and the queue, so a run resumes exactly.
///
/// ```swift
/// let task = try MoCoTask(config: TrainConfig(task: .moco), train: lt.set, normalization: data.normalization)
/// try task.makeTrainer().run()
/// ```
public final class MoCoTask: TrainingTask {
    public let config: TrainConfig
    public let train: ImageSet
    public let normalization: ImageNormalization
    public let queryEncoder: MoCoEncoder
    public let keyEncoder: MoCoEncoder
    public let queue: MoCoQueue
    public let name = "moco"
    private let device: Device
    private let queryParameters: [Tensor]
    private let keyParameters: [Tensor]
    /// The keys of the last step, enqueued once the optimizer has stepped (the loss's backward
    /// still needs the queue as it was).
    private var pendingKeys: Tensor?

    public var classCounts: [Int] { train.classCounts() }

    /// - Parameter makeBackbone: builds one backbone (called twice: query and key); by default
    ///   the configured architecture for the set's channels.
    public init(config: TrainConfig, train: ImageSet, normalization: ImageNormalization,
                makeBackbone: (() throws -> any ClassifierModel)? = nil) throws {
        try config.validate()
        guard train.count >= config.batchSize else {
            throw TailKitError.invalidOption("--batch-size \(config.batchSize) exceeds the \(train.count) training images (MoCo drops the last partial batch)")
        }
        self.config = config
        self.train = train
        self.normalization = normalization
        device = try Device(parsing: config.device)
        Torch.manualSeed(UInt64(config.seed))
        let build = makeBackbone ?? { [config, train] in
            try config.arch.make(numClasses: 1, inChannels: train.channels, normedClassifier: false)
        }
        queryEncoder = try MoCoEncoder(backbone: build(), dim: config.mocoDim)
        keyEncoder = try MoCoEncoder(backbone: build(), dim: config.mocoDim)
        try keyEncoder.loadStateDict(queryEncoder.stateDict(), strict: true)
        keyEncoder.freeze()
        if device != .cpu {
            try queryEncoder.move(to: device)
            try keyEncoder.move(to: device)
        }
        queryParameters = queryEncoder.encoderParameters()
        keyParameters = keyEncoder.encoderParameters()
        // More negatives than images would hold several keys of the same image.
        queue = try MoCoQueue(dim: config.mocoDim, size: min(config.queueSize, train.count), device: device)
    }

    public func makeTrainer() throws -> Trainer<MoCoTask> {
        try Trainer(task: self, optimizer: config.makeOptimizer(parameters()), schedule: config.lrSchedule(),
                    length: .epochs(config.epochs), arch: config.arch.rawValue, configJSON: config.json(), precision: config.precision, device: device)
    }

    public func parameters() -> [Tensor] { queryParameters }

    /// Two independent `moco` views per image, full batches only.
    public func makeStream() throws -> any BatchStream<Batch> {
        let views = try AugmentPipeline.views(config.augment, inputHeight: train.height, inputWidth: train.width)
        return try DataLoaderStream(DataLoader(shuffling: train, batchSize: config.batchSize, dropLast: true, views: views,
                                               normalization: normalization, seed: UInt64(config.seed), workers: config.workers,
                                               prefetch: max(2, 2 * config.workers)))
    }

    /// InfoNCE of a batch of two views (query, key); `accuracy` is the share of queries whose
    /// positive key scores highest (the reference's acc@1).
    public func step(_ batch: Batch, at position: SchedulePosition) throws -> StepOutput {
        guard batch.views.count == 2 else {
            throw TailKitError.invalidOption("MoCo needs two views per image (query and key), got \(batch.views.count)")
        }
        queryEncoder.train()
        keyEncoder.train()
        let q = try Functional.normalize(encodeInGroups(queryEncoder, try batch.views[0].tensor(device: device)), dim: 1)
        let k = try withNoGrad {
            try momentumUpdate()
            return try Functional.normalize(encodeKeysShuffled(try batch.views[1].tensor(device: device), batch: batch), dim: 1)
        }
        let positive = try (q * k).sum(dim: 1, keepDim: true)
        let negative = try q.matmul(queue.keys)
        let logits = try Tensor.cat([positive, negative], dim: 1) / config.mocoT
        let target = try Tensor.zeros([batch.count], dtype: .int64, device: device)
        let correct = try logits.detach().argmax(dim: 1).eq(0).sum().itemInt()
        pendingKeys = k
        return StepOutput(loss: try Functional.crossEntropy(logits, target: target), count: batch.count,
                          metrics: ["accuracy": 100 * Double(correct) / Double(max(1, batch.count))])
    }

    public func afterOptimizerStep() throws {
        if let k = pendingKeys { try queue.enqueue(k) }
        pendingKeys = nil
    }

    /// The query encoder's backbone under the supervised model's key names (no `encoder_q.`
    /// prefix, no projection head, no classifier), ready for `tailkit train --pretrained`.
    public func savedStateDict() throws -> [(String, Tensor)] { queryEncoder.backboneStateDict() }

    public func stateTensors() throws -> [(String, Tensor)] {
        queryEncoder.head.stateDict().map { ("query_head.\($0.0)", $0.1) }
            + keyEncoder.stateDict().map { ("key.\($0.0)", $0.1) }
            + [("queue.keys", queue.keys), ("queue.pointer", try Tensor([queue.pointer]))]
    }

    public func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
        let mismatch = try queryEncoder.backbone.loadStateDict(stateDict, strict: false)
        // The backbone's own classifier is not part of MoCo: it keeps its seeded initial values.
        guard mismatch.unexpectedKeys.isEmpty, mismatch.shapeMismatches.isEmpty,
              mismatch.missingKeys.allSatisfy({ queryEncoder.backbone.isClassifierKey($0) }) else {
            throw TailKitError.invalidOption("the MoCo checkpoint does not fit this backbone: \(mismatch)")
        }
        func part(_ prefix: String) -> [(String, Tensor)] {
            taskState.filter { $0.0.hasPrefix(prefix) }.map { (String($0.0.dropFirst(prefix.count)), $0.1) }
        }
        try queryEncoder.head.loadStateDict(part("query_head."), strict: true)
        try keyEncoder.loadStateDict(part("key."), strict: true)
        guard let keys = taskState.first(where: { $0.0 == "queue.keys" })?.1,
              let pointer = try taskState.first(where: { $0.0 == "queue.pointer" })?.1.toArray(Int.self).first else {
            throw TailKitError.invalidOption("the MoCo checkpoint holds no queue (task_state queue.keys / queue.pointer)")
        }
        try queue.restore(keys: keys, pointer: pointer)
    }

    /// θk ← m·θk + (1−m)·θq for every parameter the encoders use (buffers are the key encoder's own).
    private func momentumUpdate() throws {
        let m = config.mocoM
        for (key, query) in zip(keyParameters, queryParameters) {
            try key.mulInPlace(m)
            try key.addInPlace(query.detach(), alpha: 1 - m)
        }
    }

    /// The encoder's output for `x`, computed group by group (one BN group per stand-in GPU).
    private func encodeInGroups(_ encoder: MoCoEncoder, _ x: Tensor) throws -> Tensor {
        let n = x.shape[0]
        let groupSize = (n + config.bnSplits - 1) / config.bnSplits
        return try Tensor.cat(try x.split(size: groupSize, dim: 0).map { try encoder($0) }, dim: 0)
    }

    /// Keys of a shuffled batch, in groups, returned in the batch's own order (see the type's
    /// comment); the permutation depends only on the seed, the epoch and the batch number.
    private func encodeKeysShuffled(_ x: Tensor, batch: Batch) throws -> Tensor {
        let n = x.shape[0]
        var rng = SeededGenerator(seed: UInt64(config.seed)).fork(0x5348_4246).fork(UInt64(batch.epoch)).fork(UInt64(batch.number))
        var order = Array(0..<n)
        rng.shuffle(&order)
        var inverse = [Int](repeating: 0, count: n)
        for (position, index) in order.enumerated() { inverse[index] = position }
        let shuffled = try x.indexSelect(dim: 0, index: try Tensor(order).to(device: device))
        let keys = try encodeInGroups(keyEncoder, shuffled)
        return try keys.indexSelect(dim: 0, index: try Tensor(inverse).to(device: device))
    }
}
