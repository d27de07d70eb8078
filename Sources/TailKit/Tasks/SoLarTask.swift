import Foundation
import TailData
import Torch
import TorchNN

/// One stage of SoLar (Wang et al., "SoLar: Sinkhorn Label Refinery for Imbalanced Partial-Label
/// Learning", NeurIPS 2022), as RECORDS-LTPLL's `train_solar.py` runs it. SoLar trains twice: a
/// pre-estimation stage (`estimate-epochs`, γ = `gamma-estimate`, prior from uniform) that only
/// estimates the class prior, then a final stage of a fresh model (`epochs`, γ = `gamma-final`, prior
/// from the first stage). Both use the cosine schedule of `--epochs`.
///
/// Per step (B images, weak and strong views, two forward passes):
/// 1. p = softmax(z^w), S = p ⊙ Y (Y the candidate mask), ĉ = S / Σ_c S;
/// 2. Sinkhorn (`Sinkhorn.refine`, λ = `sinkhorn-lambda`) on [queue; S] (the queue of the last
///    `queue-batches` batches' S, once full) under the prior π; P̂ = its last B rows, ŷ = argmax P̂;
/// 3. ℓ_rn = −Σ W log softmax(z^w) per sample (W the confidence rows), ℓ_ps = −Σ P̂ log softmax(z^w);
/// 4. selection (`SoLarSelection`) with ρ and η = `eta`·ramp, both ramped over `warmup-epochs`;
/// 5. L = mean ℓ_rn in epoch 0 or when nothing is selected, else
///    η·(mean ℓ_ps + L_mix + L_cons over the selected) + (1 − η)·mean ℓ_rn over the others, with
///    L_cons = −Σ P̂ log softmax(z^s) and L_mix the Mixup of the selected weak images and their P̂
///    (`MixupDraw`, an extra forward pass);
/// 6. after the optimizer step, W[batch] ← ĉ.
/// After each epoch the prior is re-estimated: predicted class argmax_c softmax(z)_c·Y_c of every
/// training image (no augmentation, eval mode), π ← γ·histogram + (1 − γ)·π.
///
/// Task state: the confidence table, the prior and the queue.
///
/// ```swift
/// let first = try SoLarTask(config: run, data: data, stage: .estimate, prior: nil)
/// try first.makeTrainer().run()
/// let final = try SoLarTask(config: run, data: data, stage: .final, prior: first.prior)
/// try final.makeTrainer().run()
/// ```
public final class SoLarTask: TrainingTask {
    public enum Stage: String, Sendable { case estimate, final }

    public let config: PartialLabelRunConfig
    public let data: PartialLabelData
    public let stage: Stage
    public let model: any ClassifierModel
    public let name = "solar"
    public let selectionMetric: String? = "top1"
    public private(set) var confidence: ConfidenceTable
    /// The estimated class prior π (emp_dist).
    public private(set) var prior: [Double]
    private var queue: Tensor?
    private let device: Device
    private let counts: [Int]
    private var epoch = 0
    private var pendingUpdate: (indices: [Int], rows: [Float])?

    public var classCounts: [Int] { counts }
    private var gamma: Double { stage == .estimate ? config.pll.gammaEstimate : config.pll.gammaFinal }
    public var epochs: Int { stage == .estimate ? config.pll.estimateEpochs : config.base.epochs }

    /// - Parameter prior: the first stage's prior for the final stage; nil starts from uniform.
    public init(config: PartialLabelRunConfig, data: PartialLabelData, stage: Stage, prior: [Double]?) throws {
        try config.validate()
        self.config = config
        self.data = data
        self.stage = stage
        let classes = data.train.numClasses
        device = try Device(parsing: config.base.device)
        counts = data.train.classCounts()
        // Each stage starts a fresh model; the stages differ in their seed stream.
        Torch.manualSeed(UInt64(config.base.seed) &+ (stage == .final ? 1 : 0))
        model = try config.base.arch.make(numClasses: classes, inChannels: data.train.channels, normedClassifier: false)
        if device != .cpu { try model.move(to: device) } else { try model.useChannelsLast() }
        confidence = ConfidenceTable(candidates: data.candidates)
        self.prior = prior ?? [Double](repeating: 1 / Double(classes), count: classes)
        guard self.prior.count == classes else {
            throw TailKitError.invalidOption("SoLar: a prior of \(self.prior.count) classes for \(classes) classes")
        }
        if config.pll.queueBatches > 0 {
            queue = try Tensor.zeros([config.pll.queueBatches * config.base.batchSize, classes], device: device)
        }
    }

    /// The stage's trainer: its epochs, the cosine schedule of `--epochs` (both stages, as the reference).
    public func makeTrainer() throws -> Trainer<SoLarTask> {
        try Trainer(task: self, optimizer: config.base.makeOptimizer(parameters()), schedule: config.base.lrSchedule(),
                    length: .epochs(epochs), arch: config.base.arch.rawValue, configJSON: config.json(), precision: config.base.precision, device: device)
    }

    public func parameters() -> [Tensor] { model.trainableParameters() }

    public func makeStream() throws -> any BatchStream<Batch> {
        // The stages see different batch orders, as two passes of the reference's shuffled loader do.
        try data.twoViewStream(config.base, seed: UInt64(config.base.seed) &+ (stage == .final ? 0x5345_434F : 0), method: "SoLar")
    }

    public func epochStarted(_ epoch: Int) throws { self.epoch = epoch }

    public func step(_ batch: Batch, at position: SchedulePosition) throws -> StepOutput {
        model.train()
        let b = batch.count, classes = confidence.classes
        let xw = try batch.views[0].tensor(device: device).channelsLast(), xs = try batch.views[1].tensor(device: device).channelsLast()
        let zw = try model(xw), zs = try model(xs)
        let y = try Tensor(data.maskRows(batch.indices), shape: [b, classes]).to(device: device)
        let (cost, renormalised) = try withNoGrad { () -> (Tensor, Tensor) in
            let s = try Functional.softmax(zw.detach(), dim: 1) * y
            return (s, try s / s.sum(dim: 1, keepDim: true))
        }
        let pseudo = try refine(cost, batchSize: b)
        let logW = try Functional.logSoftmax(zw, dim: 1)
        let w = try confidence.tensor(rows: batch.indices, device: device)
        let rnLoss = try -1.0 * (logW * w).sum(dim: 1)
        let psLoss = try -1.0 * (logW * pseudo).sum(dim: 1)
        let pseudoLabels = try pseudo.argmax(dim: 1).toArray(Int.self)
        let rho = SoLarSelection.ramp(start: config.pll.rhoStart, end: config.pll.rhoEnd, epoch: epoch, warmupEpochs: config.pll.warmupEpochs)
        let eta = SoLarSelection.ramp(start: 0, end: config.pll.eta, epoch: epoch, warmupEpochs: config.pll.warmupEpochs)
        let agreement = try withNoGrad { try (pseudo * Functional.softmax(zw.detach(), dim: 1)).sum(dim: 1).toArray(Float.self) }
        let chosen = SoLarSelection.select(pseudoLabels: pseudoLabels, pseudoLosses: try psLoss.detach().toArray(Float.self),
                                           agreement: agreement, prior: prior, batchSize: config.base.batchSize, rho: rho, tau: config.pll.tau)
        let loss: Tensor
        if epoch < 1 || chosen.isEmpty {
            loss = try rnLoss.mean()
        } else {
            loss = try selectedLoss(chosen: chosen, count: b, xw: xw, zs: zs, pseudo: pseudo, rnLoss: rnLoss, psLoss: psLoss,
                                    eta: eta, step: position.step)
        }
        pendingUpdate = (batch.indices, try renormalised.toArray(Float.self))
        let truth = try batch.labelTensor(device: device)
        let correct = try zw.detach().argmax(dim: 1).eq(truth).sum().itemInt()
        let pseudoCorrect = zip(pseudoLabels, batch.labels).filter { $0 == $1 }.count
        return StepOutput(loss: loss, count: b, metrics: [
            "accuracy": 100 * Double(correct) / Double(max(1, b)),
            "pseudo_label_accuracy": 100 * Double(pseudoCorrect) / Double(max(1, b)),
            "selected": 100 * Double(chosen.count) / Double(max(1, b)),
            "disambiguation": confidence.disambiguationAccuracy(labels: data.train.labels, indices: batch.indices),
            "plausible_set_size": confidence.plausibleSetSize(indices: batch.indices),
        ])
    }

    /// η·(L_sin + L_mix + L_cons) + (1 − η)·L_unreliable.
    private func selectedLoss(chosen: [Int], count: Int, xw: Tensor, zs: Tensor, pseudo: Tensor, rnLoss: Tensor, psLoss: Tensor,
                              eta: Double, step: Int) throws -> Tensor {
        let chosenSet = Set(chosen)
        let unchosen = (0..<count).filter { !chosenSet.contains($0) }
        let index = try Tensor(chosen).to(device: device)
        let sin = try psLoss.indexSelect(dim: 0, index: index).mean()
        let pseudoChosen = try pseudo.indexSelect(dim: 0, index: index)
        let cons = try (-1.0 * (Functional.logSoftmax(zs.indexSelect(dim: 0, index: index), dim: 1) * pseudoChosen).sum(dim: 1)).mean()
        var rng = SeededGenerator(seed: UInt64(config.base.seed)).fork(0x534F_4C41).fork(UInt64(stage == .final ? 1 : 0)).fork(UInt64(step))
        let draw = MixupDraw(count: chosen.count, using: &rng)
        let perm = try Tensor(draw.permutation).to(device: device)
        let xc = try xw.indexSelect(dim: 0, index: index)
        let xMix = try xc * draw.lambda + xc.indexSelect(dim: 0, index: perm) * (1 - draw.lambda)
        let pMix = try pseudoChosen * draw.lambda + pseudoChosen.indexSelect(dim: 0, index: perm) * (1 - draw.lambda)
        let mix = try (-1.0 * (Functional.logSoftmax(model(xMix.channelsLast()), dim: 1) * pMix).sum(dim: 1)).mean()
        var loss = try (sin + mix + cons) * eta
        if !unchosen.isEmpty {
            let unreliable = try rnLoss.indexSelect(dim: 0, index: try Tensor(unchosen).to(device: device)).mean()
            loss = try loss + unreliable * (1 - eta)
        }
        return loss
    }

    /// The Sinkhorn pseudo-labels of the batch: the queue joins once full; the batch then enters it
    /// (newest first).
    private func refine(_ cost: Tensor, batchSize b: Int) throws -> Tensor {
        guard let q = queue else {
            return try Sinkhorn.refine(cost, prior: prior, lambda: config.pll.sinkhornLambda)
        }
        let rows = q.shape[0]
        let full = try q.select(dim: 0, index: rows - 1).ne(0).any().item() != 0
        let input = full ? try Tensor.cat([q, cost], dim: 0) : cost
        queue = try Tensor.cat([cost, q.narrow(dim: 0, start: 0, length: rows - b)], dim: 0)
        let refined = try Sinkhorn.refine(input, prior: prior, lambda: config.pll.sinkhornLambda)
        return try refined.narrow(dim: 0, start: refined.shape[0] - b, length: b)
    }

    public func afterOptimizerStep() throws {
        if let update = pendingUpdate { try confidence.set(rows: update.indices, to: update.rows) }
        pendingUpdate = nil
    }

    /// Re-estimates the prior from the training set, then evaluates on the test set.
    public func evaluate() throws -> Metrics? {
        let estimate = try empiricalDistribution()
        prior = zip(estimate, prior).map { gamma * $0 + (1 - gamma) * $1 }
        let evaluation = PartialLabelEvaluation(normalization: data.normalization, batchSize: config.base.evalBatchSize,
                                                device: device, workers: max(1, config.base.workers))
        var metrics = try evaluation.metrics(model: model, test: data.test, trainCounts: counts, table: confidence,
                                             trainLabels: data.train.labels, candidates: data.candidates)
        metrics.vectors["prior"] = prior
        let truth = counts.map { Double($0) / Double(max(1, data.train.count)) }
        metrics.scalars["prior_error"] = zip(prior, truth).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
        return metrics
    }

    /// The share of training images whose candidate-restricted prediction is each class.
    private func empiricalDistribution() throws -> [Double] {
        let set = data.train, classes = set.numClasses
        model.eval()
        defer { model.train() }
        let loader = try DataLoader(images: set, order: { _ in Array(0..<set.count) }, batchSize: config.base.evalBatchSize, dropLast: false,
                                    views: [try AugmentPipeline.named("none", inputHeight: set.height, inputWidth: set.width)],
                                    normalization: data.normalization, seed: 0, workers: max(1, config.base.workers))
        var histogram = [Double](repeating: 0, count: classes)
        try withNoGrad {
            for batch in try loader.epoch(0) {
                let y = try Tensor(data.maskRows(batch.indices), shape: [batch.count, classes]).to(device: device)
                let p = try Functional.softmax(model(try batch.views[0].tensor(device: device).channelsLast()), dim: 1) * y
                for c in try p.argmax(dim: 1).toArray(Int.self) { histogram[c] += 1 }
            }
        }
        let total = histogram.reduce(0, +)
        return histogram.map { $0 / max(1, total) }
    }

    public func savedStateDict() throws -> [(String, Tensor)] { model.stateDict() }

    public func stateTensors() throws -> [(String, Tensor)] {
        [("confidence", try confidence.tensor()), ("solar.prior", try Tensor(prior))] + (queue.map { [("solar.queue", $0)] } ?? [])
    }

    public func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
        try model.loadStateDict(stateDict, strict: true)
        func state(_ key: String) throws -> Tensor {
            guard let t = taskState.first(where: { $0.0 == key })?.1 else {
                throw TailKitError.invalidOption("the SoLar checkpoint holds no \(key) (task_state)")
            }
            return t
        }
        let table = try state("confidence")
        guard table.shape == [data.train.count, confidence.classes] else {
            throw TailKitError.invalidOption("the checkpoint's confidence table is \(table.shape), this run needs [\(data.train.count), \(confidence.classes)]")
        }
        confidence = try ConfidenceTable(classes: confidence.classes, values: try table.toArray(Float.self))
        prior = try state("solar.prior").toArray(Double.self)
        if queue != nil { queue = try state("solar.queue").to(device: device) }
    }

    /// The prior a finished checkpoint of this task holds (the first stage's result).
    public static func prior(in checkpoint: Checkpoint) throws -> [Double] {
        guard let t = checkpoint.taskState.first(where: { $0.0 == "solar.prior" })?.1 else {
            throw TailKitError.invalidOption("the SoLar checkpoint holds no solar.prior")
        }
        return try t.toArray(Double.self)
    }
}
