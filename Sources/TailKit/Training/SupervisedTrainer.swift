import Foundation
import TailData
import Torch
import TorchNN

/// What one epoch produced, handed to observers (run folder, progress, tests).
public struct EpochSummary: Codable, Sendable {
    public var epoch: Int
    public var lr: Double
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var imagesPerSecond: Double
    public var test: ClassificationReport
    public var testLoss: Double
}

/// Sees a run as it goes: the run folder writes logs and checkpoints here.
public protocol TrainingObserver: AnyObject {
    /// Called once before the first epoch that runs (also after a resume).
    func runStarted(state: TrainingState, totalEpochs: Int, stepsPerEpoch: Int)
    func stepEnded(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double, lr: Double, imagesPerSecond: Double)
    func epochEnded(_ summary: EpochSummary, state: TrainingState) throws
}

/// The mutable state of a run that a checkpoint must hold to resume it exactly.
public final class TrainingState {
    public let model: ResNetCIFAR
    public let optimizer: SGD
    /// Epochs finished so far (the next epoch to run).
    public var epoch = 0
    public var bestTop1 = 0.0

    init(model: ResNetCIFAR, optimizer: SGD) {
        self.model = model
        self.optimizer = optimizer
    }
}

/// The reference train.py loop, for any loss × rule: per epoch, set the lr, pick the class
/// weights the rule wants, train one pass over the sampler's order, evaluate on the test set.
public final class SupervisedTrainer {
    public let config: TrainConfig
    public let train: ImageSet
    public let test: ImageSet
    public let normalization: ImageNormalization
    public let state: TrainingState
    /// Told about every step and epoch, in order (run folder, console progress).
    public var observers: [TrainingObserver] = []
    private let loss: Loss
    private let schedule: any LRSchedule
    private let device: Device
    private let classCounts: [Int]

    public init(config: TrainConfig, train: ImageSet, test: ImageSet, normalization: ImageNormalization) throws {
        self.config = config
        self.train = train
        self.test = test
        self.normalization = normalization
        device = try Device(parsing: config.device)
        classCounts = train.classCounts()
        Torch.manualSeed(UInt64(config.seed))
        let model = try config.arch.make(numClasses: train.numClasses, inChannels: train.channels,
                                         normedClassifier: config.loss.wantsNormedClassifier)
        if device != .cpu { try model.move(to: device) }
        let optimizer = try SGD(model.parameters(), lr: config.lr, momentum: config.momentum, weightDecay: config.wd)
        state = TrainingState(model: model, optimizer: optimizer)
        loss = try makeLoss(config.loss, classCounts: classCounts)
        schedule = try config.lrSchedule()
    }

    /// Continues a run from a checkpoint of the same configuration: weights, BN statistics,
    /// momentum buffers, epoch and best accuracy. Batches depend only on (seed, epoch), so the
    /// resumed run retraces the uninterrupted one.
    public func restore(from checkpoint: Checkpoint) throws {
        try state.model.loadStateDict(checkpoint.stateDict, strict: true)
        try state.optimizer.loadStateTensors(checkpoint.optimizerState)
        state.epoch = checkpoint.epoch
        state.bestTop1 = checkpoint.bestTop1
    }

    /// The checkpoint of the current state.
    public func checkpoint() throws -> Checkpoint {
        Checkpoint(epoch: state.epoch, arch: config.arch.rawValue, bestTop1: state.bestTop1,
                   stateDict: state.model.stateDict(), optimizerState: state.optimizer.stateTensors(),
                   configJSON: try config.json(), classCounts: classCounts)
    }

    /// Trains from `state.epoch` to the configured number of epochs; returns the last test report.
    @discardableResult
    public func run() throws -> ClassificationReport? {
        let loader = try makeLoader()
        let evaluator = Evaluator(normalization: normalization, batchSize: config.evalBatchSize, device: device,
                                  workers: max(1, config.workers))
        var last: ClassificationReport?
        let steps = try loader.epoch(state.epoch).batchCount
        for o in observers { o.runStarted(state: state, totalEpochs: config.epochs, stepsPerEpoch: steps) }
        while state.epoch < config.epochs {
            let summary = try runEpoch(state.epoch, loader: loader, evaluator: evaluator)
            state.epoch += 1
            state.bestTop1 = max(state.bestTop1, summary.test.top1)
            for o in observers { try o.epochEnded(summary, state: state) }
            last = summary.test
        }
        return last
    }

    private func makeLoader() throws -> DataLoader {
        let sampler: any Sampler = config.rule == .resample
            ? try ResampleSampler(labels: train.labels, classes: train.numClasses,
                                  weighting: .effectiveNumber(beta: TrainRule.beta), seed: UInt64(config.seed))
            : try ShuffleSampler(count: train.count, seed: UInt64(config.seed))
        let view = try AugmentPipeline.named(config.augment, inputHeight: train.height, inputWidth: train.width)
        return try DataLoader(images: train, order: { sampler.indices(epoch: $0) }, batchSize: config.batchSize,
                              dropLast: false, views: [view], normalization: normalization, seed: UInt64(config.seed),
                              workers: config.workers, prefetch: max(2, 2 * config.workers))
    }

    private func runEpoch(_ epoch: Int, loader: DataLoader, evaluator: Evaluator) throws -> EpochSummary {
        let lr = schedule.learningRate(epoch: epoch)
        state.optimizer.learningRate = lr
        let weights = try config.rule.classWeights(epoch: epoch, totalEpochs: config.epochs, classCounts: classCounts)
            .map { try Tensor($0.map { Float($0) }).to(device: device) }
        let model = state.model
        model.train()
        let batches = try loader.epoch(epoch)
        var lossSum = 0.0, correct = 0, seen = 0, step = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for batch in batches {
            let x = try batch.views[0].tensor(device: device)
            let y = try batch.labelTensor(device: device)
            let logits = try model(x)
            let l = try loss(logits, y, classWeights: weights)
            let value = try l.item()
            guard value.isFinite else {
                throw TailKitError.trainingDiverged(
                    "loss became \(value) at epoch \(epoch + 1), step \(step + 1): training stopped; the last good checkpoint is kept (try a lower --lr)")
            }
            state.optimizer.zeroGrad()
            try l.backward()
            try state.optimizer.step()
            lossSum += value * Double(batch.count)
            correct += try logits.argmax(dim: 1).eq(y).sum().itemInt()
            seen += batch.count
            step += 1
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            for o in observers {
                o.stepEnded(epoch: epoch, step: step, stepsPerEpoch: batches.batchCount, loss: lossSum / Double(seen),
                            lr: lr, imagesPerSecond: Double(seen) / max(seconds, 1e-9))
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let output = try evaluator.run(model, on: test)
        let report = ClassificationReport(topK: output.topK, labels: output.labels, trainCounts: classCounts)
        return EpochSummary(epoch: epoch, lr: lr, trainLoss: lossSum / Double(max(1, seen)),
                            trainAccuracy: 100 * Double(correct) / Double(max(1, seen)),
                            imagesPerSecond: Double(seen) / max(seconds, 1e-9), test: report, testLoss: output.loss)
    }
}
