import Foundation
import TailData
import Torch
import TorchNN

/// Supervised training as imbalanced-semi-self's `train.py` does it (Yang & Xu, NeurIPS 2020; losses
/// of its `losses.py`, schedule and Resample sampler of its `utils.py`), for any loss × rule, and the
/// second stages of decoupled training (Kang et al., ICLR 2020; `imagenet_inat/main.py` with
/// `imagenet_inat/config/ImageNet_LT/cls_crt.yaml`):
///
/// - `joint`: the whole network, loss(f(x), y; w_e) with the rule's class weights w_e of epoch e;
/// - `crt`: the backbone frozen, the classifier re-initialised and re-trained with class-aware
///   sampling. By default (`backbone-bn: frozen`) the backbone runs in eval mode, so its BN layers
///   keep the first stage's running statistics: the features the classifier learns on are the
///   features the first stage learned. The reference (`run_networks.py`) keeps every network in
///   train mode, so its frozen BN layers normalise with batch statistics and their running
///   statistics drift with stage 2's class-balanced batches (a quirk the spec marks);
///   `backbone-bn: batch` reproduces it. That mode also survives a first stage whose running
///   statistics are far off (a short or unstable first stage of a deep net), where eval-mode
///   features can overflow and the run stops as diverged;
/// - `lws`: every parameter frozen (BN as in `crt`), one learnable scale s_c per class: z'_c = s_c · z_c; the checkpoint
///   holds the scales folded into the classifier (W' = diag(s) W, b' = s ⊙ b) and, as task state,
///   the scales themselves.
///
/// Evaluation: top-1/top-5, per class, many/medium/few by the labeled training counts, balanced
/// accuracy, confusion matrix, test loss; the best checkpoint by top-1.
///
/// ```swift
/// let task = try SupervisedTask(config: config, train: set, test: data.test, normalization: data.normalization)
/// let trainer = try task.makeTrainer()
/// try trainer.run()
/// ```
public final class SupervisedTask: TrainingTask {
    public let config: TrainConfig
    public let data: SupervisedData
    public let normalization: ImageNormalization
    public let model: any ClassifierModel
    /// Training counts that decide the many/medium/few groups: the labeled set's, also when
    /// pseudo-labeled images join training, so groups stay comparable across methods.
    public let groupCounts: [Int]
    public let stage: TrainingStage
    public let device: Device
    public let name = "supervised"
    public let selectionMetric: String? = "top1"
    /// Streamed lists choose the best epoch on their val list; in-memory sets on their test set.
    public var evaluationSplit: String {
        if case .streamed = data { return "val" }
        return "test"
    }
    private let counts: [Int]
    /// cRT/LWS with `backbone-bn: batch`: the frozen backbone's BN in train mode.
    private let backboneBatchStatistics: Bool
    private let loss: Loss
    private let lwsScales: Tensor?
    private var classWeights: Tensor?
    /// This process's share of every epoch in data-parallel training (set before `makeTrainer`): the
    /// rank's part of the global order, in batches of batchSize / ranks.
    public var shard = RankShard.whole
    /// False on data-parallel ranks other than 0, which leave evaluation to rank 0.
    public var evaluates = true

    public var classCounts: [Int] { counts }

    /// - Parameter initialWeights: a checkpoint's weights (`--pretrained`): joint and crt take its
    ///   backbone (crt exactly the same backbone; the classifier is re-initialised either way), lws
    ///   the whole first-stage model.
    public convenience init(config: TrainConfig, train: ImageSet, test: ImageSet, normalization: ImageNormalization,
                            initialWeights: InitialWeights? = nil, groupCounts: [Int]? = nil) throws {
        try self.init(config: config, data: .memory(train: train, test: test), normalization: normalization,
                      initialWeights: initialWeights, groupCounts: groupCounts)
    }

    /// ImageNet-LT / iNaturalist streamed from their lists: trained on `lists.train`, the best
    /// epoch chosen on `lists.val`, `testMetrics()` on `lists.test`.
    public convenience init(config: TrainConfig, lists: StreamedLists, initialWeights: InitialWeights? = nil) throws {
        try self.init(config: config, data: .streamed(lists), normalization: lists.normalization,
                      initialWeights: initialWeights, groupCounts: nil)
    }

    public init(config: TrainConfig, data: SupervisedData, normalization: ImageNormalization,
                initialWeights: InitialWeights? = nil, groupCounts: [Int]? = nil) throws {
        self.config = config
        self.data = data
        self.normalization = normalization
        stage = try config.trainingStage
        let device = try Device(parsing: config.device)
        self.device = device
        counts = data.trainClassCounts
        self.groupCounts = groupCounts ?? counts
        backboneBatchStatistics = config.backboneBN == "batch"
        Torch.manualSeed(UInt64(config.seed))
        let model = try config.arch.make(numClasses: data.numClasses, inChannels: data.channels,
                                         normedClassifier: config.loss.wantsNormedClassifier)
        if let initialWeights { try Self.load(initialWeights, into: model, stage: try config.trainingStage, arch: config.arch) }
        let scales = try Self.prepare(try config.trainingStage, model: model)
        if device != .cpu {
            try model.move(to: device)
            if let s = scales { s.assign(try withNoGrad { try s.to(device: device) }); s.requiresGrad = true }
        }
        lwsScales = scales
        // oneDNN's preferred layout for convolutions on the CPU (Module.useChannelsLast).
        if device == .cpu { try model.useChannelsLast() }
        self.model = model
        loss = try makeLoss(config.loss, classCounts: counts)
    }

    /// The trainer of this task as the config says: its optimizer, schedule and epochs.
    /// Its checkpoints record the class names, normalisation and input size (for `tailkit predict`).
    public func makeTrainer() throws -> Trainer<SupervisedTask> {
        let trainer = try Trainer(task: self, optimizer: config.makeOptimizer(parameters()), schedule: config.lrSchedule(),
                                  length: .epochs(config.epochs), arch: config.arch.rawValue, configJSON: config.json(),
                                  precision: config.precision, device: device)
        let resizes = (try? DatasetName(parsing: config.dataset))?.resizesImages ?? false
        switch data {
        case .memory(let train, _):
            trainer.modelInput = ModelInput(set: train, normalization: normalization, resizes: resizes)
        case .streamed(let lists):
            // Streamed images reach the model as --crop-size RGB crops, whatever their files' sizes.
            trainer.modelInput = ModelInput(classNames: lists.train.classNames, normalization: normalization,
                                            height: config.cropSize, width: config.cropSize, channels: 3, resizes: true)
        }
        return trainer
    }

    /// The joint stage and cRT take the file's backbone (cRT re-initialises the classifier anyway, as
    /// `imagenet_inat/main.py` skips the stage-1 classifier when it loads `feat_model`); LWS scales
    /// the file's own classifier, so the whole model must match.
    private static func load(_ initial: InitialWeights, into model: any ClassifierModel, stage: TrainingStage,
                             arch: Architecture) throws {
        guard stage == .lws else {
            let result = try PretrainedWeights.load(initial, into: model, arch: arch, exactBackbone: stage == .crt)
            let ignored = result.ignoredKeys.isEmpty ? "" : "; ignored \(result.ignoredKeys.count) tensors the model lacks"
            TailKitLog.info("pretrained: loaded \(result.loaded) of \(result.total) tensors from \(initial.source) (classifier fresh\(ignored))")
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

    public func parameters() -> [Tensor] {
        model.trainableParameters() + (lwsScales.map { [$0] } ?? [])
    }

    public func makeStream() throws -> any BatchStream<Batch> {
        let sampler = try makeSampler()
        guard case .memory(let train, _) = data else { return try makeStreamedStream(sampler) }
        let view = try AugmentPipeline.named(config.augment, inputHeight: train.height, inputWidth: train.width,
                                             outputSize: train.height)
        let shard = self.shard
        return try DataLoaderStream(DataLoader(images: train, order: { shard.indices(of: sampler.indices(epoch: $0)) },
                                               batchSize: config.batchSize / shard.count,
                                               dropLast: false, views: [view], normalization: normalization,
                                               seed: UInt64(config.seed), workers: config.workers,
                                               prefetch: max(2, 2 * config.workers)))
    }

    /// The epoch order: `--sampler`, or by default what the rule and stage call for.
    private func makeStreamedStream(_ sampler: any Sampler) throws -> any BatchStream<Batch> {
        guard case .streamed(let lists) = data else { preconditionFailure("in-memory data has its own stream") }
        let shard = self.shard
        return try DataLoaderStream(StreamingDataLoader(list: lists.train, order: { shard.indices(of: sampler.indices(epoch: $0)) },
                                                        batchSize: config.batchSize / shard.count, dropLast: false, views: [lists.trainView],
                                                        normalization: normalization, seed: UInt64(config.seed),
                                                        workers: config.workers, prefetch: max(2, 2 * config.workers),
                                                        onFailure: lists.onFailure))
    }

    private func makeSampler(_ kind: SamplerKind? = nil) throws -> any Sampler {
        let seed = UInt64(config.seed)
        let labels = data.trainLabels, classes = data.numClasses
        switch kind ?? config.sampler {
        case .auto:
            return try makeSampler(config.rule == .resample ? .resample : (stage == .joint ? .instance : .classAware))
        case .instance:
            return try ShuffleSampler(count: labels.count, seed: seed)
        case .resample:
            return try ResampleSampler(labels: labels, classes: classes,
                                       weighting: .effectiveNumber(beta: TrainRule.beta), seed: seed)
        case .sqrt:
            return try ResampleSampler(labels: labels, classes: classes, weighting: .squareRoot, seed: seed)
        case .classAware:
            return try ClassAwareSampler(labels: labels, classes: classes,
                                         epochLength: Self.classAwareEpochLength(trainCount: labels.count, batchSize: config.batchSize),
                                         seed: seed)
        }
    }

    /// Images per class-aware epoch: `imagenet_inat/main.py` stops each epoch after
    /// int(len(train) / batch) batches whatever the sampler's own length (`epoch_steps` in
    /// `imagenet_inat/run_networks.py`), e.g. 905 steps of
    /// 128 on ImageNet-LT; at least one batch when the set is smaller than a batch.
    static func classAwareEpochLength(trainCount: Int, batchSize: Int) -> Int {
        max(1, trainCount / max(1, batchSize)) * batchSize
    }

    /// The rule's class weights for the epoch (DRW switches them on at its epoch).
    public func epochStarted(_ epoch: Int) throws {
        classWeights = try config.rule.classWeights(epoch: epoch, totalEpochs: config.epochs, classCounts: counts)
            .map { try Tensor($0.map { Float($0) }).to(device: device) }
    }

    public func step(_ batch: Batch, at position: SchedulePosition) throws -> StepOutput {
        let x = try batch.views[0].tensor(device: device).channelsLast()
        let y = try batch.labelTensor(device: device)
        let logits = try trainingLogits(x)
        let l = try loss(logits, y, classWeights: classWeights)
        let correct = try logits.argmax(dim: 1).eq(y).sum().itemInt()
        return StepOutput(loss: l, count: batch.count, metrics: ["accuracy": 100 * Double(correct) / Double(max(1, batch.count))])
    }

    /// Logits of a training batch. In the second stages the frozen backbone runs without autograd,
    /// in eval mode (fixed BN statistics) or, with `backbone-bn: batch`, in train mode as the
    /// reference's.
    private func trainingLogits(_ x: Tensor) throws -> Tensor {
        guard stage != .joint else {
            model.train()
            return try model(x)
        }
        if backboneBatchStatistics { model.train() } else { model.eval() }
        let features = try withNoGrad { try model.features(x) }
        let logits = try model.logits(fromFeatures: features)
        return try lwsScales.map { try logits * $0 } ?? logits
    }

    /// Metrics on the test set, or for streamed lists on the val list (which picks the best epoch).
    public func evaluate() throws -> Metrics? {
        guard evaluates else { return nil }
        switch data {
        case .memory(_, let test):
            return try report(evaluator.run(model, on: test, logitScales: lwsScales))
        case .streamed(let lists):
            return try report(evaluator.run(model, on: lists.val, view: lists.evalView, onFailure: lists.onFailure,
                                            logitScales: lwsScales))
        }
    }

    /// For streamed lists, metrics of the current weights on the test list (the reported number,
    /// after the best epoch's weights are restored); nil for in-memory data, whose test set
    /// `evaluate()` already uses.
    public func testMetrics() throws -> Metrics? {
        guard case .streamed(let lists) = data else { return nil }
        return try report(evaluator.run(model, on: lists.test, view: lists.evalView, onFailure: lists.onFailure,
                                        logitScales: lwsScales))
    }

    private var evaluator: Evaluator {
        Evaluator(normalization: normalization, batchSize: config.evalBatchSize, device: device, workers: max(1, config.workers))
    }

    private func report(_ output: Evaluator.Output) -> Metrics {
        ClassificationReport(topK: output.topK, labels: output.labels, trainCounts: groupCounts).metrics(loss: output.loss)
    }

    /// The weights to save: for LWS the scales folded into the classifier, so the checkpoint is a
    /// plain model that loads anywhere.
    public func savedStateDict() throws -> [(String, Tensor)] {
        let plain = model.stateDict()
        guard let scales = lwsScales, let (prefix, linear) = model.logitLinear else { return plain }
        let folded = try withNoGrad { () -> [String: Tensor] in
            var out = ["\(prefix).weight": try linear.weight * scales.unsqueeze(1)]
            if let b = linear.bias { out["\(prefix).bias"] = try b * scales }
            return out
        }
        return plain.map { ($0.0, folded[$0.0] ?? $0.1) }
    }

    public func stateTensors() throws -> [(String, Tensor)] {
        lwsScales.map { [("lws.scales", $0)] } ?? []
    }

    /// Takes the saved weights back; for LWS the scales from the task state, unfolded from the classifier.
    public func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
        try model.loadStateDict(stateDict, strict: true)
        guard let scales = lwsScales else { return }
        guard let saved = taskState.first(where: { $0.0 == "lws.scales" })?.1 else {
            throw TailKitError.invalidOption("the checkpoint of an lws run holds no lws.scales task state")
        }
        try scales.copy(from: saved)
        guard let linear = model.logitLinear?.layer else { return }
        try linear.weight.copy(from: try withNoGrad { try linear.weight / scales.unsqueeze(1) })
        if let b = linear.bias { try b.copy(from: try withNoGrad { try b / scales }) }
    }
}

/// Where a supervised run's images come from: decoded sets in memory (CIFAR, SVHN, lists at
/// --image-size), or list files streamed from disk (`--stream`).
public enum SupervisedData: Sendable {
    case memory(train: ImageSet, test: ImageSet)
    case streamed(StreamedLists)

    var trainLabels: [Int] {
        switch self {
        case .memory(let train, _): return train.labels
        case .streamed(let lists): return lists.train.labels
        }
    }

    var numClasses: Int {
        switch self {
        case .memory(let train, _): return train.numClasses
        case .streamed(let lists): return lists.train.classNames.count
        }
    }

    /// Streamed images are decoded to RGB.
    var channels: Int {
        switch self {
        case .memory(let train, _): return train.channels
        case .streamed: return 3
        }
    }

    var trainClassCounts: [Int] {
        switch self {
        case .memory(let train, _): return train.classCounts()
        case .streamed(let lists): return lists.train.classCounts()
        }
    }
}
