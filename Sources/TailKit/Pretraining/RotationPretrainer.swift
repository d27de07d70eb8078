import Foundation
import TailData
import Torch
import TorchNN

/// Rotation self-supervised pre-training, as the reference's pretrain_rot.py (ISS 4.4): the
/// long-tailed training images (labels unused) with the supervised augmentation, each batch
/// rotated by k x 90 degrees with a near-balanced k per batch (a shuffled {0,1,2,3} repeated),
/// and the backbone with a 4-way classifier trained with cross entropy on k.
///
/// The checkpoint is the whole 4-way model under the supervised model's key names; the
/// `linear.*` classifier is dropped when it initialises a supervised run (ISS 2.5, 4.5).
public final class RotationPretrainer: Pretrainer {
    public let config: PretrainConfig
    public let train: ImageSet
    public let test: ImageSet?
    public let normalization: ImageNormalization
    public let model: any ClassifierModel
    public let optimizer: SGD
    public private(set) var epoch = 0
    /// Best rotation accuracy on the test set so far (the checkpoint's `best_acc1`, as the reference's).
    public private(set) var bestTestAccuracy = 0.0
    public var observers: [PretrainObserver] = []
    private let schedule: any LRSchedule
    private let device: Device

    /// - Parameter test: rotation accuracy is measured on it after every epoch when given.
    public init(config: PretrainConfig, train: ImageSet, test: ImageSet?, normalization: ImageNormalization) throws {
        try config.validate()
        guard train.height == train.width else {
            throw TailKitError.invalidOption("rotation pre-training needs square images; this set's are \(train.height)x\(train.width)")
        }
        guard train.count > 0 else { throw TailKitError.invalidOption("the training set is empty") }
        self.config = config
        self.train = train
        self.test = test
        self.normalization = normalization
        device = try Device(parsing: config.device)
        Torch.manualSeed(UInt64(config.seed))
        model = try config.arch.make(numClasses: 4, inChannels: train.channels, normedClassifier: false)
        if device != .cpu { try model.move(to: device) }
        optimizer = try SGD(model.parameters(), lr: config.lr, momentum: config.momentum, weightDecay: config.wd)
        schedule = config.lrSchedule()
    }

    /// Trains all configured epochs; returns one summary per epoch.
    @discardableResult
    public func run() throws -> [PretrainEpochSummary] {
        let view = try AugmentPipeline.named("weak", inputHeight: train.height, inputWidth: train.width)
        let loader = try DataLoader(shuffling: train, batchSize: config.batchSize, dropLast: false, views: [view],
                                    normalization: normalization, seed: UInt64(config.seed), workers: config.workers,
                                    prefetch: max(2, 2 * config.workers))
        for o in observers { o.pretrainStarted(self, totalEpochs: config.epochs, stepsPerEpoch: try loader.epoch(epoch).batchCount) }
        var summaries: [PretrainEpochSummary] = []
        while epoch < config.epochs {
            var summary = try trainEpoch(loader)
            if let test {
                let (loss, accuracy) = try evaluate(on: test)
                summary.testLoss = loss
                summary.testAccuracy = accuracy
                bestTestAccuracy = max(bestTestAccuracy, accuracy)
            }
            epoch += 1
            for o in observers { try o.pretrainEpochEnded(summary, pretrainer: self) }
            summaries.append(summary)
        }
        return summaries
    }

    public func checkpoint() throws -> Checkpoint {
        Checkpoint(epoch: epoch, arch: config.arch.rawValue, bestTop1: bestTestAccuracy, stateDict: model.stateDict(),
                   optimizerState: optimizer.stateTensors(), configJSON: try config.json(), classCounts: train.classCounts())
    }

    private func trainEpoch(_ loader: DataLoader) throws -> PretrainEpochSummary {
        let lr = schedule.learningRate(epoch: epoch)
        optimizer.learningRate = lr
        model.train()
        let batches = try loader.epoch(epoch)
        let stream = SeededGenerator(seed: UInt64(config.seed)).fork(0x524F_5441).fork(UInt64(epoch))
        var meter = EpochMeter()
        for batch in batches {
            var rng = stream.fork(UInt64(batch.number))
            let (x, y) = try rotatedBatch(batch.views[0], using: &rng)
            let logits = try model(x)
            let loss = try Functional.crossEntropy(logits, target: y)
            let value = try loss.item()
            guard value.isFinite else {
                throw TailKitError.trainingDiverged("rotation loss became \(value) at epoch \(epoch + 1), step \(batch.number + 1) (try a lower --lr)")
            }
            optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            meter.add(loss: value, correct: try logits.argmax(dim: 1).eq(y).sum().itemInt(), count: batch.count)
            for o in observers {
                o.pretrainStepEnded(epoch: epoch, step: batch.number + 1, stepsPerEpoch: batches.batchCount,
                                    loss: meter.meanLoss, lr: lr, imagesPerSecond: meter.imagesPerSecond)
            }
        }
        return PretrainEpochSummary(epoch: epoch, lr: lr, trainLoss: meter.meanLoss, trainAccuracy: meter.accuracy,
                                    imagesPerSecond: meter.imagesPerSecond)
    }

    /// Rotation loss and accuracy (%) on `set`, un-augmented; the rotations of each test batch
    /// are the same every epoch, so epochs compare.
    public func evaluate(on set: ImageSet) throws -> (loss: Double, accuracy: Double) {
        let view = try AugmentPipeline.named("none", inputHeight: set.height, inputWidth: set.width)
        let loader = try DataLoader(images: set, order: { _ in Array(0..<set.count) }, batchSize: config.evalBatchSize,
                                    dropLast: false, views: [view], normalization: normalization, seed: 0,
                                    workers: config.workers, prefetch: max(2, 2 * config.workers))
        let stream = SeededGenerator(seed: UInt64(config.seed)).fork(0x5445_5354)
        model.eval()
        defer { model.train() }
        var lossSum = 0.0, correct = 0, seen = 0
        try withNoGrad {
            for batch in try loader.epoch(0) {
                var rng = stream.fork(UInt64(batch.number))
                let (x, y) = try rotatedBatch(batch.views[0], using: &rng)
                let logits = try model(x)
                lossSum += try Functional.crossEntropy(logits, target: y, reduction: .sum).item()
                correct += try logits.argmax(dim: 1).eq(y).sum().itemInt()
                seen += batch.count
            }
        }
        return (lossSum / Double(max(1, seen)), 100 * Double(correct) / Double(max(1, seen)))
    }

    /// The batch with image i turned by labels[i] x 90 degrees (after normalisation, which is
    /// per channel, so the order does not matter), and the labels.
    private func rotatedBatch(_ view: BatchView, using rng: inout SeededGenerator) throws -> (Tensor, Tensor) {
        let labels = RotationTask.balancedLabels(count: view.count, using: &rng)
        var rotated = view
        try RotationTask.rotateSquareBatch(&rotated.data, channels: view.channels, size: view.height, labels: labels)
        let y = try Tensor(labels)
        return (try rotated.tensor(device: device), device == .cpu ? y : try y.to(device: device))
    }
}
