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
    public let model: any ClassifierModel
    public let optimizer: SGD
    /// Epochs finished so far (the next epoch to run).
    public var epoch = 0
    public var bestTop1 = 0.0

    init(model: any ClassifierModel, optimizer: SGD) {
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
    /// Training counts that decide the many/medium/few groups: the labeled set's, also when
    /// pseudo-labeled images join training, so groups stay comparable across methods.
    public let groupCounts: [Int]
    private let stage: TrainingStage
    private let lwsScales: Tensor?

    /// - Parameter initialWeights: a checkpoint's weights (`--pretrained`): for the joint stage the
    ///   backbone is loaded (classifier keys dropped) and at least one tensor must match; for crt and
    ///   lws the whole first-stage model must match.
    public init(config: TrainConfig, train: ImageSet, test: ImageSet, normalization: ImageNormalization,
                initialWeights: InitialWeights? = nil, groupCounts: [Int]? = nil) throws {
        self.config = config
        self.train = train
        self.test = test
        self.normalization = normalization
        stage = try config.trainingStage
        device = try Device(parsing: config.device)
        classCounts = train.classCounts()
        self.groupCounts = groupCounts ?? classCounts
        Torch.manualSeed(UInt64(config.seed))
        let model = try config.arch.make(numClasses: train.numClasses, inChannels: train.channels,
                                         normedClassifier: config.loss.wantsNormedClassifier)
        if let initialWeights { try Self.load(initialWeights, into: model, stage: stage, arch: config.arch) }
        let scales = try Self.prepare(stage, model: model)
        let target = device
        if target != .cpu {
            try model.move(to: target)
            if let s = scales { s.assign(try withNoGrad { try s.to(device: target) }); s.requiresGrad = true }
        }
        lwsScales = scales
        // oneDNN's preferred layout: ResNet-32 training measured ~35% faster on the CPU (Module.useChannelsLast).
        if target == .cpu { try model.useChannelsLast() }
        let trainable = model.trainableParameters() + (scales.map { [$0] } ?? [])
        let optimizer = try SGD(trainable, lr: config.lr, momentum: config.momentum, weightDecay: config.wd)
        state = TrainingState(model: model, optimizer: optimizer)
        loss = try makeLoss(config.loss, classCounts: classCounts)
        schedule = try config.lrSchedule()
    }

    /// The joint stage and cRT take the file's backbone (cRT re-initialises the classifier anyway, as
    /// `imagenet_inat/main.py` skips the stage-1 classifier when it loads `feat_model`); LWS scales
    /// the file's own classifier, so the whole model must match.
    private static func load(_ initial: InitialWeights, into model: any ClassifierModel, stage: TrainingStage,
                             arch: Architecture) throws {
        guard stage == .lws else {
            let result = try PretrainedWeights.load(initial, into: model, arch: arch, exactBackbone: stage == .crt)
            let ignored = result.ignoredKeys.isEmpty ? "" : "; ignored \(result.ignoredKeys.count) tensors the model lacks"
            FileHandle.standardError.write(Data("pretrained: loaded \(result.loaded) of \(result.total) tensors from \(initial.source) (classifier fresh\(ignored))\n".utf8))
            return
        }
        do {
            try model.loadStateDict(initial.weights, strict: true)
        } catch let mismatch as StateDictMismatch {
            throw TailKitError.badFile(path: initial.source, problem: "is not a first-stage \(arch.rawValue) of this data set: \(mismatch)")
        }
    }

    /// Freezes what the stage keeps fixed; returns LWS's per-class scales.
    private static func prepare(_ stage: TrainingStage, model: any ClassifierModel) throws -> Tensor? {
        switch stage {
        case .joint:
            return nil
        case .crt:
            model.freeze()
            try model.resetClassifier()
            model.classifier.freeze(false)
            return nil
        case .lws:
            guard model.logitLinear != nil else {
                throw TailKitError.invalidOption("--stage lws needs a linear classifier; LDAM's cosine classifier has no scale to learn (use crt)")
            }
            model.freeze()
            return try Tensor.ones([model.numClasses]).requiringGrad()
        }
    }

    /// Logits of a training batch. In the second stages the frozen backbone runs in eval mode
    /// (fixed BN statistics) and without autograd.
    private func trainingLogits(_ x: Tensor) throws -> Tensor {
        let model = state.model
        guard stage != .joint else {
            model.train()
            return try model(x)
        }
        model.eval()
        let features = try withNoGrad { try model.features(x) }
        let logits = try model.logits(fromFeatures: features)
        return try lwsScales.map { try logits * $0 } ?? logits
    }

    /// Continues a run from a checkpoint of the same configuration: weights, BN statistics,
    /// momentum buffers, epoch and best accuracy. Batches depend only on (seed, epoch), so the
    /// resumed run retraces the uninterrupted one.
    public func restore(from checkpoint: Checkpoint) throws {
        try state.model.loadStateDict(checkpoint.stateDict, strict: true)
        try state.optimizer.loadStateTensors(checkpoint.optimizerState)
        if let scales = lwsScales, let saved = checkpoint.optimizerState.first(where: { $0.0 == "lws.scales" })?.1 {
            try scales.copy(from: saved)
            try unfoldScales(scales)
        }
        state.epoch = checkpoint.epoch
        state.bestTop1 = checkpoint.bestTop1
    }

    /// The weights to save: for LWS the scales folded into the classifier (W' = diag(s) W, b' = s b),
    /// so the checkpoint is a plain model that loads anywhere.
    public func savedStateDict() throws -> [(String, Tensor)] {
        let plain = state.model.stateDict()
        guard let scales = lwsScales, let (prefix, linear) = state.model.logitLinear else { return plain }
        let folded = try withNoGrad { () -> [String: Tensor] in
            var out = ["\(prefix).weight": try linear.weight * scales.unsqueeze(1)]
            if let b = linear.bias { out["\(prefix).bias"] = try b * scales }
            return out
        }
        return plain.map { ($0.0, folded[$0.0] ?? $0.1) }
    }

    private func unfoldScales(_ scales: Tensor) throws {
        guard let linear = state.model.logitLinear?.layer else { return }
        try linear.weight.copy(from: try withNoGrad { try linear.weight / scales.unsqueeze(1) })
        if let b = linear.bias { try b.copy(from: try withNoGrad { try b / scales }) }
    }

    /// The checkpoint of the current state.
    public func checkpoint() throws -> Checkpoint {
        Checkpoint(epoch: state.epoch, arch: config.arch.rawValue, bestTop1: state.bestTop1,
                   stateDict: try savedStateDict(),
                   optimizerState: state.optimizer.stateTensors() + (lwsScales.map { [("lws.scales", $0)] } ?? []),
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
        let sampler = try makeSampler()
        let view = try AugmentPipeline.named(config.augment, inputHeight: train.height, inputWidth: train.width,
                                             outputSize: train.height)
        return try DataLoader(images: train, order: { sampler.indices(epoch: $0) }, batchSize: config.batchSize,
                              dropLast: false, views: [view], normalization: normalization, seed: UInt64(config.seed),
                              workers: config.workers, prefetch: max(2, 2 * config.workers))
    }

    /// The epoch order: `--sampler`, or by default what the rule and stage call for.
    private func makeSampler() throws -> any Sampler {
        var name = config.sampler
        if name == "auto" { name = config.rule == .resample ? "resample" : (stage == .joint ? "instance" : "class-aware") }
        let seed = UInt64(config.seed)
        switch name {
        case "instance":
            return try ShuffleSampler(count: train.count, seed: seed)
        case "resample":
            return try ResampleSampler(labels: train.labels, classes: train.numClasses,
                                       weighting: .effectiveNumber(beta: TrainRule.beta), seed: seed)
        case "sqrt":
            return try ResampleSampler(labels: train.labels, classes: train.numClasses, weighting: .squareRoot, seed: seed)
        case "class-aware":
            return try ClassAwareSampler(labels: train.labels, classes: train.numClasses,
                                         epochLength: Self.classAwareEpochLength(trainCount: train.count, batchSize: config.batchSize),
                                         seed: seed)
        default:
            throw TailKitError.invalidOption("unknown sampler '\(name)'; valid samplers: auto, instance, resample, class-aware, sqrt")
        }
    }

    /// Images per class-aware epoch: `imagenet_inat/main.py` stops each epoch after
    /// int(len(train) / batch) batches whatever the sampler's own length (ISS 3.5), e.g. 905 steps of
    /// 128 on ImageNet-LT; at least one batch when the set is smaller than a batch.
    static func classAwareEpochLength(trainCount: Int, batchSize: Int) -> Int {
        max(1, trainCount / max(1, batchSize)) * batchSize
    }

    private func runEpoch(_ epoch: Int, loader: DataLoader, evaluator: Evaluator) throws -> EpochSummary {
        let lr = schedule.learningRate(epoch: epoch)
        state.optimizer.learningRate = lr
        let weights = try config.rule.classWeights(epoch: epoch, totalEpochs: config.epochs, classCounts: classCounts)
            .map { try Tensor($0.map { Float($0) }).to(device: device) }
        let model = state.model
        let batches = try loader.epoch(epoch)
        var meter = EpochMeter(), step = 0
        for batch in batches {
            let x = try batch.views[0].tensor(device: device).channelsLast()
            let y = try batch.labelTensor(device: device)
            let logits = try trainingLogits(x)
            let l = try loss(logits, y, classWeights: weights)
            let value = try l.item()
            guard value.isFinite else {
                throw TailKitError.trainingDiverged(
                    "loss became \(value) at epoch \(epoch + 1), step \(step + 1): training stopped; the last good checkpoint is kept (try a lower --lr)")
            }
            state.optimizer.zeroGrad()
            try l.backward()
            try state.optimizer.step()
            meter.add(loss: value, correct: try logits.argmax(dim: 1).eq(y).sum().itemInt(), count: batch.count)
            step += 1
            for o in observers {
                o.stepEnded(epoch: epoch, step: step, stepsPerEpoch: batches.batchCount, loss: meter.meanLoss,
                            lr: lr, imagesPerSecond: meter.imagesPerSecond)
            }
        }
        let trainRate = meter.imagesPerSecond
        let output = try evaluator.run(model, on: test)
        let report = ClassificationReport(topK: output.topK, labels: output.labels, trainCounts: groupCounts)
        return EpochSummary(epoch: epoch, lr: lr, trainLoss: meter.meanLoss, trainAccuracy: meter.accuracy,
                            imagesPerSecond: trainRate, test: report, testLoss: output.loss)
    }
}
