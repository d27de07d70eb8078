import Foundation
import TailData
import Torch
import TorchNN

/// What one MoCo step produced.
public struct MoCoStepResult: Sendable {
    public var loss: Double
    /// Queries whose positive key scored highest (of the batch).
    public var correct: Int
}

/// MoCo v2 self-supervised pre-training, as the reference's pretrain_moco.py (ISS 2.6, 4.6):
/// two `moco` views of every long-tailed training image (labels unused), a query encoder
/// trained by SGD, a key encoder that follows it by momentum (θk ← m·θk + (1−m)·θq, before each
/// key computation), a queue of K earlier keys as negatives, and InfoNCE as cross entropy with
/// the positive at index 0 of [q·k, q·queue] / T.
///
/// Shuffle-BN in one process. The reference runs the key encoder on a batch shuffled across
/// GPUs, so that a query and its positive key never get their batch-norm statistics from the
/// same group of images (otherwise the network can find the positive through the statistics
/// instead of the content: the BN "information leak"). Each GPU's query BN sees its own slice
/// of the batch. Here the batch is cut into `bnSplits` groups that stand for the GPUs: queries
/// run group by group in loader order; keys are shuffled with a seeded permutation, run group
/// by group, and put back in order (the "local shuffle" MoCo's authors describe). Every group
/// has its own BN statistics and updates the running ones in turn, as each GPU's BN would
/// (the reference's DDP does not synchronise BN buffers between GPUs either; rank 0's are saved).
public final class MoCoPretrainer: Pretrainer {
    public let config: PretrainConfig
    public let train: ImageSet
    public let normalization: ImageNormalization
    public let queryEncoder: MoCoEncoder
    public let keyEncoder: MoCoEncoder
    public let queue: MoCoQueue
    public let optimizer: SGD
    public private(set) var epoch = 0
    public var observers: [PretrainObserver] = []
    private let schedule: any LRSchedule
    private let device: Device
    private let queryParameters: [Tensor]
    private let keyParameters: [Tensor]

    /// - Parameter makeBackbone: builds one backbone (called twice: query and key); by default
    ///   the configured architecture for the set's channels.
    public init(config: PretrainConfig, train: ImageSet, normalization: ImageNormalization,
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
        optimizer = try SGD(queryParameters, lr: config.lr, momentum: config.momentum, weightDecay: config.wd)
        schedule = config.lrSchedule()
    }

    /// The loader of the run: two independent `moco` views per image, full batches only.
    public func makeLoader() throws -> DataLoader {
        let views = try AugmentPipeline.views("moco", inputHeight: train.height, inputWidth: train.width)
        return try DataLoader(shuffling: train, batchSize: config.batchSize, dropLast: true, views: views,
                              normalization: normalization, seed: UInt64(config.seed), workers: config.workers,
                              prefetch: max(2, 2 * config.workers))
    }

    /// Trains all configured epochs; returns one summary per epoch.
    @discardableResult
    public func run() throws -> [PretrainEpochSummary] {
        let loader = try makeLoader()
        for o in observers { o.pretrainStarted(self, totalEpochs: config.epochs, stepsPerEpoch: try loader.epoch(epoch).batchCount) }
        var summaries: [PretrainEpochSummary] = []
        while epoch < config.epochs {
            let summary = try trainEpoch(loader)
            epoch += 1
            for o in observers { try o.pretrainEpochEnded(summary, pretrainer: self) }
            summaries.append(summary)
        }
        return summaries
    }

    /// The query encoder's backbone under the supervised model's key names (no `encoder_q.`
    /// prefix, no projection head, no classifier), ready for `tailkit train --pretrained`.
    public func checkpoint() throws -> Checkpoint {
        Checkpoint(epoch: epoch, arch: config.arch.rawValue, bestTop1: 0, stateDict: queryEncoder.backboneStateDict(),
                   optimizerState: [], configJSON: try config.json(), classCounts: train.classCounts())
    }

    private func trainEpoch(_ loader: DataLoader) throws -> PretrainEpochSummary {
        let lr = schedule.learningRate(epoch: epoch)
        optimizer.learningRate = lr
        let batches = try loader.epoch(epoch)
        var meter = EpochMeter()
        for batch in batches {
            let result = try step(batch)
            meter.add(loss: result.loss, correct: result.correct, count: batch.count)
            for o in observers {
                o.pretrainStepEnded(epoch: epoch, step: batch.number + 1, stepsPerEpoch: batches.batchCount,
                                    loss: meter.meanLoss, lr: lr, imagesPerSecond: meter.imagesPerSecond)
            }
        }
        return PretrainEpochSummary(epoch: epoch, lr: lr, trainLoss: meter.meanLoss, trainAccuracy: meter.accuracy,
                                    imagesPerSecond: meter.imagesPerSecond)
    }

    /// One MoCo step on a batch of two views (query, key) at the optimizer's current lr.
    @discardableResult
    public func step(_ batch: Batch) throws -> MoCoStepResult {
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
        let loss = try Functional.crossEntropy(logits, target: target)
        let value = try loss.item()
        guard value.isFinite else {
            throw TailKitError.trainingDiverged("MoCo loss became \(value) at epoch \(epoch + 1), step \(batch.number + 1) (try a lower --lr)")
        }
        optimizer.zeroGrad()
        try loss.backward()
        try optimizer.step()
        try queue.enqueue(k)
        let correct = try logits.detach().argmax(dim: 1).eq(0).sum().itemInt()
        return MoCoStepResult(loss: value, correct: correct)
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
