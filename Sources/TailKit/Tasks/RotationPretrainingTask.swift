import Foundation
import TailData
import Torch
import TorchNN

/// Rotation self-supervised pre-training, as imbalanced-semi-self's `pretrain_rot.py` with `rotation`
/// of its `utils.py` (Yang & Xu, NeurIPS 2020; Gidaris et al., ICLR 2018): the long-tailed training
/// images (labels unused) with the supervised
/// augmentation, each image of a batch turned by k_i · 90° with near-balanced k (a shuffled
/// {0,1,2,3} repeated), and the backbone with a 4-way classifier trained with CE(f(rot_k(x)), k).
/// Evaluation: rotation loss and accuracy on the test set, its rotations fixed across epochs.
///
/// The checkpoint is the whole 4-way model under the supervised model's key names; its `fc.*`
/// classifier is dropped when it initialises a supervised run (as `train.py` drops every key naming
/// `linear` or `fc` from its `--pretrained_model`).
///
/// ```swift
/// let task = try RotationPretrainingTask(config: TrainConfig(task: .rotation), train: lt.set, test: data.test,
///                                        normalization: data.normalization)
/// try task.makeTrainer().run()
/// ```
public final class RotationPretrainingTask: TrainingTask {
    public let config: TrainConfig
    public let train: ImageSet
    public let test: ImageSet?
    public let normalization: ImageNormalization
    public let model: any ClassifierModel
    public let name = "rotation"
    /// The reference keeps the best rotation accuracy as `best_acc1`.
    public var selectionMetric: String? { test == nil ? nil : "accuracy" }
    private let device: Device

    public var classCounts: [Int] { train.classCounts() }

    /// - Parameter test: rotation accuracy is measured on it after every epoch when given.
    public init(config: TrainConfig, train: ImageSet, test: ImageSet?, normalization: ImageNormalization) throws {
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
    }

    public func makeTrainer() throws -> Trainer<RotationPretrainingTask> {
        try Trainer(task: self, optimizer: config.makeOptimizer(parameters()), schedule: config.lrSchedule(),
                    length: .epochs(config.epochs), arch: config.arch.rawValue, configJSON: config.json(), precision: config.precision, device: device)
    }

    public func parameters() -> [Tensor] { model.parameters() }

    public func makeStream() throws -> any BatchStream<Batch> {
        let view = try AugmentPipeline.named("weak", inputHeight: train.height, inputWidth: train.width)
        return try DataLoaderStream(DataLoader(shuffling: train, batchSize: config.batchSize, dropLast: false, views: [view],
                                               normalization: normalization, seed: UInt64(config.seed), workers: config.workers,
                                               prefetch: max(2, 2 * config.workers)))
    }

    public func step(_ batch: Batch, at position: SchedulePosition) throws -> StepOutput {
        model.train()
        var rng = SeededGenerator(seed: UInt64(config.seed)).fork(0x524F_5441).fork(UInt64(batch.epoch)).fork(UInt64(batch.number))
        let (x, y) = try rotatedBatch(batch.views[0], using: &rng)
        let logits = try model(x)
        let correct = try logits.argmax(dim: 1).eq(y).sum().itemInt()
        return StepOutput(loss: try Functional.crossEntropy(logits, target: y), count: batch.count,
                          metrics: ["accuracy": 100 * Double(correct) / Double(max(1, batch.count))])
    }

    public func evaluate() throws -> Metrics? {
        guard let test else { return nil }
        let (loss, accuracy) = try evaluate(on: test)
        return Metrics(scalars: ["loss": loss, "accuracy": accuracy])
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

    public func savedStateDict() throws -> [(String, Tensor)] { model.stateDict() }

    public func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
        try model.loadStateDict(stateDict, strict: true)
    }
}
