import Foundation
import TailData
import Torch
import TorchNN

/// CORR and CORR + RECORDS (± Mixup) partial-label training, as RECORDS-LTPLL's `train.py` runs it
/// (Hong et al., ICLR 2023; Wu et al., ICML 2022): every image in two views (weak `simclr`, strong
/// `records`), both through the network in one pass (four with Mixup), the loss `CORRLoss` against the
/// sample's confidence row, then, from epoch `update-start` on, the rows updated from the same
/// (pre-step) predictions: CORR's geometric mean on the current support, or RECORDS' debiased update on
/// the original candidate sets (`RECORDSDebiasing`). The true labels are never used for learning;
/// they only measure the training accuracy and the disambiguation.
///
/// Mixup (`--mixup`, RECORDS only): targets P = the rows before this step's update, λ and π from
/// `MixupDraw`, and from epoch `update-start` on the loss adds α·(L_sup + L_con) of the mixed views
/// against λP + (1 − λ)P_π.
///
/// Evaluation: RECORDS adjusts the test logits by −log(π̂ + 1e−9), with π̂ from the feature mean at the
/// end of the epoch; CORR ranks the raw logits. Task state: the confidence table and the feature
/// mean, so a resumed run continues exactly (the reference keeps neither).
///
/// ```swift
/// let task = try PartialLabelTask(config: run, data: data)
/// try task.makeTrainer().run()
/// ```
public final class PartialLabelTask: TrainingTask {
    public let config: PartialLabelRunConfig
    public let data: PartialLabelData
    public let model: any ClassifierModel
    public let name = "pll"
    public let selectionMetric: String? = "top1"
    public private(set) var confidence: ConfidenceTable
    public private(set) var featureMean: FeatureMean
    private let device: Device
    private let counts: [Int]
    private var epoch = 0

    public var classCounts: [Int] { counts }
    private var usesRECORDS: Bool { config.pll.method == .records }

    public init(config: PartialLabelRunConfig, data: PartialLabelData) throws {
        try config.validate()
        guard config.pll.method != .solar else { throw TailKitError.invalidOption("SoLar runs as SoLarTask") }
        self.config = config
        self.data = data
        device = try Device(parsing: config.base.device)
        counts = data.train.classCounts()
        Torch.manualSeed(UInt64(config.base.seed))
        model = try config.base.arch.make(numClasses: data.train.numClasses, inChannels: data.train.channels, normedClassifier: false)
        if device != .cpu { try model.move(to: device) } else { try model.useChannelsLast() }
        confidence = ConfidenceTable(candidates: data.candidates)
        featureMean = FeatureMean(momentum: config.pll.featureMomentum)
    }

    public func makeTrainer() throws -> Trainer<PartialLabelTask> {
        try Trainer(task: self, optimizer: config.base.makeOptimizer(parameters()), schedule: config.base.lrSchedule(),
                    length: .epochs(config.base.epochs), arch: config.base.arch.rawValue, configJSON: config.json(), precision: config.base.precision, device: device)
    }

    public func parameters() -> [Tensor] { model.trainableParameters() }

    /// Weak and strong views of every image, shuffled, full batches only (`drop_last=True`).
    public func makeStream() throws -> any BatchStream<Batch> {
        try data.twoViewStream(config.base, seed: UInt64(config.base.seed), method: "partial-label training")
    }

    public func epochStarted(_ epoch: Int) throws { self.epoch = epoch }

    public func step(_ batch: Batch, at position: SchedulePosition) throws -> StepOutput {
        model.train()
        let b = batch.count, classes = confidence.classes
        let targets = confidence.rows(batch.indices)
        let xw = try batch.views[0].tensor(device: device), xs = try batch.views[1].tensor(device: device)
        let updating = epoch >= config.pll.updateStart
        var inputs = [xw, xs]
        var mix: MixupDraw?
        if config.pll.mixup {
            var rng = SeededGenerator(seed: UInt64(config.base.seed)).fork(0x4D49_5855).fork(UInt64(position.step))
            let draw = MixupDraw(count: b, using: &rng)
            let perm = try Tensor(draw.permutation).to(device: device)
            for x in [xw, xs] { inputs.append(try x * draw.lambda + x.indexSelect(dim: 0, index: perm) * (1 - draw.lambda)) }
            mix = draw
        }
        let (logits, features) = try model.forwardWithFeatures(try Tensor.cat(inputs, dim: 0).channelsLast())
        let z = try logits.split(size: b, dim: 0), f = try features.split(size: b, dim: 0)
        var loss = try CORRLoss.loss(weakLogits: z[0], strongLogits: z[1], targets: targets)
        if let draw = mix, updating {
            let mixed = try CORRLoss.loss(weakLogits: z[2], strongLogits: z[3], targets: draw.mix(rows: targets, classes: classes))
            loss = try loss + mixed * config.pll.mixupWeight
        }
        if usesRECORDS { try featureMean.update(weak: f[0], strong: f[1]) }
        if updating { try updateConfidence(weakLogits: z[0], strongLogits: z[1], indices: batch.indices) }
        let correct = try z[0].detach().argmax(dim: 1).eq(try batch.labelTensor(device: device)).sum().itemInt()
        return StepOutput(loss: loss, count: b, metrics: [
            "accuracy": 100 * Double(correct) / Double(max(1, b)),
            "disambiguation": confidence.disambiguationAccuracy(labels: data.train.labels, indices: batch.indices),
            "plausible_set_size": confidence.plausibleSetSize(indices: batch.indices),
        ])
    }

    /// The rows of the batch from its pre-step predictions (no gradient).
    private func updateConfidence(weakLogits: Tensor, strongLogits: Tensor, indices: [Int]) throws {
        let classes = confidence.classes
        let updated: [Float]
        if usesRECORDS, let mu = featureMean.value {
            let logPrior = try RECORDSDebiasing.logPrior(model: model, featureMean: mu)
            updated = try RECORDSDebiasing.updatedConfidence(weakLogits: weakLogits, strongLogits: strongLogits, logPrior: logPrior,
                                                             originalMask: data.maskRows(indices))
        } else {
            let (pw, ps) = try withNoGrad {
                (try Functional.softmax(weakLogits.detach(), dim: 1).toArray(Float.self),
                 try Functional.softmax(strongLogits.detach(), dim: 1).toArray(Float.self))
            }
            updated = CORRLoss.updatedConfidence(weak: pw, strong: ps, mask: confidence.rows(indices), classes: classes)
        }
        try confidence.set(rows: indices, to: updated)
    }

    /// −log(π̂ + 1e−9) per class for RECORDS' test-time adjustment, nil for CORR.
    public func testLogitOffsets() throws -> [Double]? {
        guard usesRECORDS, let mu = featureMean.value else { return nil }
        return try RECORDSDebiasing.logPrior(model: model, featureMean: mu).toArray(Double.self).map { -$0 }
    }

    public func evaluate() throws -> Metrics? {
        let evaluation = PartialLabelEvaluation(normalization: data.normalization, batchSize: config.base.evalBatchSize,
                                                device: device, workers: max(1, config.base.workers))
        return try evaluation.metrics(model: model, test: data.test, trainCounts: counts, logitOffsets: testLogitOffsets(),
                                      table: confidence, trainLabels: data.train.labels, candidates: data.candidates)
    }

    public func savedStateDict() throws -> [(String, Tensor)] { model.stateDict() }

    public func stateTensors() throws -> [(String, Tensor)] {
        [("confidence", try confidence.tensor())] + (featureMean.value.map { [("records.feature_mean", $0)] } ?? [])
    }

    public func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
        try model.loadStateDict(stateDict, strict: true)
        guard let table = taskState.first(where: { $0.0 == "confidence" })?.1 else {
            throw TailKitError.invalidOption("the checkpoint holds no confidence table (task_state confidence)")
        }
        guard table.shape == [data.train.count, confidence.classes] else {
            throw TailKitError.invalidOption("the checkpoint's confidence table is \(table.shape), this run's training set needs [\(data.train.count), \(confidence.classes)]")
        }
        confidence = try ConfidenceTable(classes: confidence.classes, values: try table.toArray(Float.self))
        let mean = taskState.first(where: { $0.0 == "records.feature_mean" })?.1
        featureMean = FeatureMean(momentum: config.pll.featureMomentum, value: try mean.map { try $0.to(device: device) })
    }
}
