import Foundation
import TailData
import Torch
import TorchNN

/// Imbalanced semi-supervised training on the engine (ytaek-oh/daso's `main.py` loop, spec §5): one
/// base algorithm (`SSLAlgorithm`) and one imbalance add-on (`ImbalanceAddOn`) composed, checked by
/// `SSLPairing`, iteration-based (`steps`, evaluation every `eval-every`).
///
/// Per step t: the add-on's `beforeStep` (DASO fills its queue from the EMA encoder), the base's
/// forward pass and losses through the add-on's hooks, L = Σ of the named losses; the trainer
/// steps SGD (Nesterov); then the EMA model follows (d = min(1 − 1/(t+1), decay)). The final
/// pseudo-labels go to the add-on (`observe`) and to `PseudoLabelStatistics` against the hidden labels.
///
/// Each evaluation scores the EMA model (the raw one for `supervised` and in cRT's stage; through ABC's
/// EMA head with `abc`, the add-on's `evaluationModel`) on the validation split and the test set, as
/// DASO does every period (spec §5.2-5.3): top-1 and the classification report, top-1 after post-hoc
/// logit adjustment z − log π_labeled (`top1_la`), the medians of the last 20 evaluations of both
/// (`top1_median20`, `top1_la_median20`, DASO's reported figure on test), the period's per-class
/// pseudo-label precision and recall (when the unlabeled labels are known) and the mask ratio. With a
/// validation split (`num-valid` > 0) the evaluation is labeled `val` (its numbers under their plain
/// names, which pick the best checkpoint by val top-1, as DASO's `model_best`) and the test numbers come
/// beside them as `test/top1`, `test/top1_median20`, ...; without one it is labeled `test`.
///
/// Multi-stage add-ons (`SSLStagePlan`): CReST's generations and cRT's re-training switch the model,
/// optimizer, schedule and data mid-run through the engine's `stageSwitch` (see `SSLStageSwitch.swift`).
///
/// Checkpoint: `state_dict` holds the evaluated model (EMA for the SSL bases) as evaluation scores it:
/// with ABC, the EMA ABC head's weight and bias stand in the classifier's place (`fc.*` of the ResNets,
/// `classifier.classifier.*` of WRN-28-2), so `tailkit eval`/`predict` of the checkpoint score what the
/// run scored; the EMA model's own classifier then goes to `task_state` (`evaluated_classifier.*`).
/// `task_state` also holds the online model (`online.*`), the base's state (ReMixMatch's rotation head
/// and distribution-alignment window), the add-on's state (DASO's queue and π̂, CReST's additions), the
/// stage (`ssl.stage`), the evaluation histories and the period's pseudo-label counts, so a resumed run
/// continues exactly (DASO's own resume drops the queue and π̂).
///
/// ```swift
/// let task = try SemiSupervisedTask(config: run, data: data)
/// try task.makeTrainer().run()
/// ```
public final class SemiSupervisedTask: TrainingTask {
    public let config: SSLRunConfig
    /// The run's data; CReST replaces its labeled set at each generation.
    public internal(set) var data: SSLData
    /// The labeled set of the split (CReST adds to this one, not to the last generation's).
    public let initialLabeled: ImageSet
    /// The stages of a multi-stage add-on, nil for one stage.
    public let stagePlan: SSLStagePlan?
    /// The stage being trained (0-based; CReST's generation − 1, cRT's re-training 1).
    public internal(set) var stage = 0
    public let algorithm: any SSLAlgorithm
    public let addOn: any ImbalanceAddOn
    public let model: any ClassifierModel
    public let ema: EMAModel?
    public let name = "ssl"
    public let selectionMetric: String? = "top1"
    /// The test evaluations (DASO's reported medians).
    public private(set) var history = EvaluationHistory()
    /// The validation evaluations, when there is a validation split.
    public private(set) var validationHistory = EvaluationHistory()
    public private(set) var quality: PseudoLabelStatistics
    let device: Device
    private let counts: [Int]
    private var lastStep = 0

    public var classCounts: [Int] { counts }
    public var evaluationSplit: String { data.validation.count > 0 ? "val" : "test" }
    /// The model evaluation scores and the checkpoint's `state_dict` holds.
    public var evaluatedModel: any ClassifierModel { retraining ? model : ema?.model ?? model }
    /// Whether cRT's re-training stage is on.
    public var retraining: Bool { (addOn as? ClassifierRetrainingAddOn)?.retraining ?? false }

    public init(config: SSLRunConfig, data: SSLData) throws {
        try config.validate()
        self.config = config
        self.data = data
        initialLabeled = data.labeled
        stagePlan = SSLStagePlan(config.ssl)
        counts = data.labeled.classCounts()
        algorithm = try config.ssl.algorithm.make(config: config.ssl, seed: UInt64(truncatingIfNeeded: config.base.seed), labeledCounts: counts)
        addOn = try config.ssl.imbalance.make(config: config.ssl, labeledCounts: counts, unlabeledCount: data.unlabeled.count,
                                              seed: UInt64(truncatingIfNeeded: config.base.seed), darpTarget: data.darpTarget)
        try SSLPairing.check(base: algorithm, addOn: addOn)
        device = try Device(parsing: config.base.device)
        Torch.manualSeed(UInt64(truncatingIfNeeded: config.base.seed))
        let make = { try config.base.arch.make(numClasses: data.labeled.numClasses, inChannels: data.labeled.channels, normedClassifier: false) }
        model = try make()
        if algorithm.evaluatesEMA || addOn.requirements.contains(.emaModel) {
            ema = try EMAModel(copying: model, fresh: try make(), decay: config.ssl.emaDecay)
        } else {
            ema = nil
        }
        if let ema { algorithm.useTeacher(ema) }
        for m in [model, ema?.model].compactMap({ $0 }) {
            if device != .cpu { try m.move(to: device) } else { try m.useChannelsLast() }
        }
        try algorithm.attach(model: model, device: device)
        try addOn.attach(model: model, device: device)
        quality = PseudoLabelStatistics(classes: data.labeled.numClasses)
    }

    /// The trainer: SGD with Nesterov momentum (DASO's solver), the constant, FixMatch-cosine or
    /// supervised multi-step lr (`lr-schedule`), `steps` iterations (and cRT's `crt-steps` after them),
    /// evaluation every `eval-every`.
    public func makeTrainer() throws -> Trainer<SemiSupervisedTask> {
        let base = config.base
        let schedule: any LRSchedule
        switch config.ssl.lrSchedule {
        case "cosine": schedule = FixMatchCosineSchedule(baseLR: base.lr)
        case "multistep": schedule = SupervisedMultiStepRecipe.schedule(baseLR: base.lr, steps: config.ssl.steps)
        default: schedule = ConstantSchedule(lr: base.lr)
        }
        return try Trainer(task: self, optimizer: try makeOptimizer(parameters()), schedule: schedule,
                           length: .steps(config.ssl.totalSteps, evalEvery: config.ssl.evalEvery), arch: base.arch.rawValue,
                           configJSON: config.json(), precision: base.precision, device: device)
    }

    /// SGD with Nesterov momentum (DASO's solver) or the configured optimizer, over `parameters`: the
    /// run's, and each new stage's.
    func makeOptimizer(_ parameters: [Tensor]) throws -> any Optimizer {
        let base = config.base
        return base.optimizer == .sgd
            ? try SGD(parameters, lr: base.lr, momentum: base.momentum, weightDecay: base.wd, nesterov: base.momentum > 0)
            : try base.makeOptimizer(parameters)
    }

    /// The model's, the base's (ReMixMatch's rotation head) and the add-on's trainable tensors; only the
    /// classifier's while cRT re-trains it.
    public func parameters() -> [Tensor] {
        retraining ? model.classifier.parameters() : model.trainableParameters() + algorithm.trainableParameters + addOn.trainableParameters
    }

    public func makeStream() throws -> any BatchStream<SSLBatch> {
        retraining ? try SSLBatchStream(data: data, config: config, unlabeledViews: nil, classBalanced: true)
            : try SSLBatchStream(data: data, config: config, unlabeledViews: algorithm.unlabeledViews)
    }

    public func step(_ batch: SSLBatch, at position: SchedulePosition) throws -> StepOutput {
        if retraining { return try retrainingStep(batch.labeled, at: position) }
        model.train()
        lastStep = position.step
        let xl = try batch.labeled.views[0].tensor(device: device).channelsLast(), y = try batch.labeled.labelTensor(device: device)
        try addOn.beforeStep(SSLStepContext(labeledImages: xl, labels: y, ema: ema, step: position.step))
        if addOn.wantsUnlabeledEstimate { try offerUnlabeledEstimate() }
        let unlabeled = try batch.unlabeled.map { b in try b.views.map { try $0.tensor(device: device) } } ?? []
        let forward = try algorithm.forward(model: model, labeled: xl, labels: y, unlabeled: unlabeled,
                                            unlabeledIndices: batch.unlabeled?.indices ?? [], addOn: addOn, step: position.step)
        let losses = try algorithm.losses(forward, addOn: addOn)
        var metrics: [String: Double] = [:]
        for term in losses.terms { metrics[term.name] = try term.value.item() }
        if let pseudo = losses.pseudoLabels, let u = batch.unlabeled {
            try addOn.observe(pseudo, step: position.step)
            quality.add(pseudo, truth: u.labels)
            metrics["mask_ratio"] = 100 * pseudo.maskRatio
        }
        let correct = try forward.labeledLogits.detach().argmax(dim: 1).eq(y).sum().itemInt()
        metrics["top1"] = 100 * Double(correct) / Double(max(1, batch.labeled.count))
        return StepOutput(loss: try losses.total(), count: batch.labeled.count, metrics: metrics)
    }

    /// The EMA model follows with the step counted from the stage's start, so its decay warms up again
    /// in each CReST generation (the reference's `step=self.iter % self.gen_period_steps`); nothing
    /// follows in cRT's re-training.
    public func afterOptimizerStep() throws {
        guard !retraining else { return }
        try ema?.update(from: model, step: lastStep - (stagePlan?.bounds(ofStage: stage).start ?? 0))
        try addOn.afterOptimizerStep(step: lastStep)
    }

    /// Validation (when held out) and test top-1, raw and logit-adjusted, with the medians of the last
    /// 20, and the period's pseudo-label quality (which then restarts).
    public func evaluate() throws -> Metrics? {
        if addOn.collectsUnlabeledEstimates { try offerUnlabeledEstimate() }
        let scored = try addOn.evaluationModel(evaluatedModel)
        defer { scored.train() }
        var metrics: Metrics
        if data.validation.count > 0 {
            metrics = try score(scored, on: data.validation, history: &validationHistory)
            let test = try score(scored, on: data.test, history: &history)
            for (name, value) in test.scalars { metrics.scalars["test/\(name)"] = value }
        } else {
            metrics = try score(scored, on: data.test, history: &history)
        }
        let pl = quality.metrics()
        metrics.scalars.merge(pl.scalars) { _, new in new }
        metrics.vectors.merge(pl.vectors) { _, new in new }
        metrics.scalars.merge(addOn.evaluationMetrics()) { _, new in new }
        quality = PseudoLabelStatistics(classes: quality.classes)
        return metrics
    }

    /// One set's classification report, its logit-adjusted top-1 and both medians of `history`.
    private func score(_ model: any ClassifierModel, on set: ImageSet, history: inout EvaluationHistory) throws -> Metrics {
        let output = try evaluator.run(model, on: set, keepProbabilities: true)
        var metrics = ClassificationReport(topK: output.topK, labels: output.labels, trainCounts: counts).metrics(loss: output.loss)
        let adjusted = Self.logitAdjustedTop1(probabilities: output.probabilities, labels: output.labels, labeledCounts: counts)
        history.append(top1: metrics.scalars["top1"] ?? 0, top1LA: adjusted)
        metrics.scalars["top1_la"] = adjusted
        metrics.scalars["top1_median20"] = history.median(\.top1)
        metrics.scalars["top1_la_median20"] = history.median(\.top1LA)
        return metrics
    }

    private var evaluator: Evaluator {
        Evaluator(normalization: data.normalization, batchSize: config.base.evalBatchSize, device: device, workers: max(1, config.base.workers))
    }

    /// The last estimate of the unlabeled class counts made with the evaluated model
    /// (`UnlabeledDistributionEstimate` on the validation split and the unlabeled set).
    public private(set) var unlabeledEstimate: UnlabeledDistributionEstimate?

    /// Estimates the unlabeled class counts with the evaluated model and hands the estimate to the add-on
    /// (DARP keeps it when accepted: no negative count, condition number below 100; at the end of its
    /// warm-up it sets its target from them), with lines on stderr.
    func offerUnlabeledEstimate() throws {
        let darp = addOn as? DARPAddOn, hadTarget = darp?.target != nil
        let validation = try evaluator.run(evaluatedModel, on: data.validation, keepProbabilities: true)
        let unlabeled = try evaluator.run(evaluatedModel, on: data.unlabeled, keepProbabilities: true, outputSize: data.resolution)
        evaluatedModel.train()
        let estimate = try UnlabeledDistributionEstimate(validation: validation.probabilities, labels: validation.labels,
                                                         unlabeled: unlabeled.probabilities, classes: data.labeled.numClasses)
        unlabeledEstimate = estimate
        FileHandle.standardError.write(Data(("DARP: unlabeled counts estimated \(Self.shown(estimate.counts)) (condition number "
            + "\(String(format: "%.1f", estimate.conditionNumber))); \(estimate.accepted ? "accepted" : "rejected")\n").utf8))
        try addOn.takeUnlabeledEstimate(estimate)
        if let darp, !hadTarget, let target = darp.target {
            FileHandle.standardError.write(Data(("DARP: target unlabeled counts \(Self.shown(target)) (\(darp.targetSource))\n").utf8))
        }
    }

    private static func shown(_ v: [Double]) -> String { v.map { String(format: "%.0f", $0) }.joined(separator: " ") }

    /// Top-1 (%) of argmax_c (z_c − log π_c), from the softmax rows (log p differs from z by a
    /// per-row constant, so the ranking is the same); π = labeled class frequencies.
    static func logitAdjustedTop1(probabilities: [[Double]], labels: [Int], labeledCounts: [Int]) -> Double {
        let total = Double(labeledCounts.reduce(0, +))
        let logPrior = labeledCounts.map { Foundation.log(Double(max($0, 1)) / total) }
        var correct = 0
        for (row, label) in zip(probabilities, labels) {
            let scores = row.enumerated().map { Foundation.log(max($0.element, Double.leastNonzeroMagnitude)) - logPrior[$0.offset] }
            if let best = scores.indices.max(by: { scores[$0] < scores[$1] }), best == label { correct += 1 }
        }
        return 100 * Double(correct) / Double(max(1, labels.count))
    }

    public func savedStateDict() throws -> [(String, Tensor)] {
        let own = evaluatedModel.stateDict()
        guard let (prefix, head) = try evaluationHead() else { return own }
        let replaced = Dictionary(uniqueKeysWithValues: head.stateDict().map { ("\(prefix).\($0.0)", $0.1) })
        return own.map { ($0.0, replaced[$0.0] ?? $0.1) }
    }

    /// The classifier prefix of the evaluated model and the head evaluation scores with in its place
    /// (ABC's EMA head), or nil when evaluation uses the model's own classifier.
    private func evaluationHead() throws -> (String, Linear)? {
        guard let scored = try addOn.evaluationModel(evaluatedModel) as? AuxiliaryHeadModel,
              let (prefix, linear) = evaluatedModel.logitLinear, linear.weight.shape == scored.head.weight.shape else { return nil }
        return (prefix, scored.head)
    }

    public func stateTensors() throws -> [(String, Tensor)] {
        var state: [(String, Tensor)] = []
        if ema != nil { state += model.stateDict().map { ("online.\($0.0)", $0.1) } }
        if try evaluationHead() != nil, let own = evaluatedModel.logitLinear?.layer {
            state += own.stateDict().map { ("evaluated_classifier.\($0.0)", $0.1) }
        }
        state.append(("ssl.history", try Tensor(history.flattened)))
        state.append(("ssl.val_history", try Tensor(validationHistory.flattened)))
        state.append(("ssl.pl_quality", try Tensor(quality.flattened.map { Int64($0) })))
        if stagePlan != nil { state.append(("ssl.stage", try Tensor([Int64(stage)]))) }
        return state + (try algorithm.stateTensors()) + (try addOn.stateTensors())
    }

    public func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
        // The stage first: it decides the labeled set and which model the state_dict holds.
        if stagePlan != nil { try restoreStage(taskState) }
        try evaluatedModel.loadStateDict(stateDict, strict: true)
        if ema != nil {
            let online = taskState.filter { $0.0.hasPrefix("online.") }.map { (String($0.0.dropFirst("online.".count)), $0.1) }
            try model.loadStateDict(online, strict: true)
        }
        history = try EvaluationHistory(flattened: try stateTensor(taskState, "ssl.history").toArray(Double.self))
        // Checkpoints written before validation was evaluated have no validation history.
        validationHistory = try taskState.first { $0.0 == "ssl.val_history" }.map { try EvaluationHistory(flattened: try $0.1.toArray(Double.self)) }
            ?? EvaluationHistory()
        quality = try PseudoLabelStatistics(classes: quality.classes, flattened: try stateTensor(taskState, "ssl.pl_quality").toArray(Int.self))
        try algorithm.restore(taskState)
        if stagePlan == nil { try addOn.restore(taskState) }
        // The state_dict's classifier was the evaluation head's; the evaluated model's own comes back
        // (absent from checkpoints written before, whose state_dict held the model's own).
        if try evaluationHead() != nil, let own = evaluatedModel.logitLinear?.layer,
           taskState.contains(where: { $0.0.hasPrefix("evaluated_classifier.") }) {
            try withNoGrad {
                for (name, tensor) in own.stateDict() { try tensor.copy(from: try stateTensor(taskState, "evaluated_classifier.\(name)")) }
            }
        }
    }
}
