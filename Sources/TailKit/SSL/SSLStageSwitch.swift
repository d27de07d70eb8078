import Foundation
import TailData
import Torch
import TorchNN

/// The stage switches of `SemiSupervisedTask` (`TrainingTask.stageSwitch`, `SSLStagePlan`):
///
/// - CReST, before the first step of generation g ≥ 2: the EMA model (eval mode, evaluation
///   transform) predicts the unlabeled set; `CReSTAddOn` picks the additions; the labeled set becomes
///   the initial one plus them; the model and the EMA model (and the base's own layers, ReMixMatch's
///   rotation head) are drawn afresh (seeded by the run's seed and g, so a resumed run draws the same);
///   the trainer gets a fresh optimizer, restarts the lr
///   schedule over the generation and rebuilds the batches (`ytaek-oh/daso lib/algorithm/fm_crest.py`,
///   `new_generation`).
/// - cRT, before step `steps`: the classifier is re-initialised (seeded likewise) and trained alone
///   on class-balanced labeled batches, the encoder in eval mode (`ClassifierRetrainingAddOn`).
///
/// ```swift
/// let trainer = try task.makeTrainer()     // the trainer calls task.stageSwitch before each step
/// try trainer.run()
/// ```
extension SemiSupervisedTask {
    public func stageSwitch(atStep step: Int, resuming: Bool) throws -> StageSwitch? {
        guard let plan = stagePlan else { return nil }
        if !resuming {
            let wanted = plan.stage(forStep: step)
            guard wanted > stage else { return nil }
            try start(stage: wanted, atStep: step)
        }
        let bounds = plan.bounds(ofStage: stage)
        // The first stage keeps the trainer's optimizer (it may hold a checkpoint's state already).
        let optimizer = stage == 0 ? nil : try makeOptimizer(parameters())
        return StageSwitch(startStep: bounds.start, steps: bounds.steps, optimizer: optimizer, newStream: stage > 0)
    }

    private func start(stage k: Int, atStep step: Int) throws {
        if let crest = addOn as? CReSTAddOn {
            try startGeneration(k + 1, crest: crest, atStep: step)
        } else if let crt = addOn as? ClassifierRetrainingAddOn {
            try startRetraining(crt, atStep: step)
        }
        stage = k
    }

    private func startGeneration(_ g: Int, crest: CReSTAddOn, atStep step: Int) throws {
        guard let ema else { throw TailKitError.invalidOption("CReST needs the EMA model to pick its pseudo-labels") }
        let evaluator = Evaluator(normalization: data.normalization, batchSize: config.base.evalBatchSize, device: device,
                                  workers: max(1, config.base.workers))
        let predictions = try evaluator.run(ema.model, on: data.unlabeled, keepProbabilities: true, outputSize: data.resolution)
        crest.choose(probabilities: predictions.probabilities, generation: g)
        data.labeled = crest.labeledSet(initial: initialLabeled, unlabeled: data.unlabeled)
        try redrawModels(seedOffset: UInt64(g))
        let added = crest.addedCounts
        FileHandle.standardError.write(Data(("CReST: generation \(g) of \(crest.generations) starts at step \(step): "
            + "added per class \(added.map(String.init).joined(separator: " ")) pseudo-labeled images (\(crest.additions.count) in all); "
            + "labeled set now \(data.labeled.count) (\(data.labeled.classCounts().map(String.init).joined(separator: " ")))\n").utf8))
    }

    private func startRetraining(_ crt: ClassifierRetrainingAddOn, atStep step: Int) throws {
        crt.retraining = true
        Torch.manualSeed(UInt64(truncatingIfNeeded: config.base.seed) &+ 0x6352_54)
        try model.resetClassifier()   // in place, on the model's device
        FileHandle.standardError.write(Data(("cRT: step \(step): the encoder frozen (eval-mode batch norm), the classifier "
            + "re-initialised and re-trained for \(config.ssl.retrainingSteps) steps on class-balanced labeled batches\n").utf8))
    }

    /// The model and the EMA model take the weights of a freshly drawn network of the architecture; the
    /// base's own layers (ReMixMatch's rotation head) are drawn afresh too, from the same seed.
    private func redrawModels(seedOffset: UInt64) throws {
        let seed = UInt64(truncatingIfNeeded: config.base.seed) &+ seedOffset
        try algorithm.redrawLayers(seed: seed)
        Torch.manualSeed(seed)
        let fresh = try config.base.arch.make(numClasses: data.labeled.numClasses, inChannels: data.labeled.channels, normedClassifier: false)
        try withNoGrad {
            for target in [model, ema?.model].compactMap({ $0 }) {
                for (a, b) in zip(target.stateDict(), fresh.stateDict()) { try a.1.copy(from: b.1) }
            }
        }
    }

    /// cRT's step: CE of the classifier on frozen eval-mode features of a class-balanced labeled batch.
    func retrainingStep(_ batch: Batch, at position: SchedulePosition) throws -> StepOutput {
        model.eval()
        let x = try batch.views[0].tensor(device: device).channelsLast(), y = try batch.labelTensor(device: device)
        let features = try withNoGrad { try model.features(x) }
        let logits = try model.logits(fromFeatures: features)
        let loss = try Functional.crossEntropy(logits, target: y)
        let correct = try logits.detach().argmax(dim: 1).eq(y).sum().itemInt()
        return StepOutput(loss: loss, count: batch.count,
                          metrics: ["loss_cls": try loss.item(), "top1": 100 * Double(correct) / Double(max(1, batch.count))])
    }

    /// Puts back the stage, the add-on's state and what the stage changed (CReST's labeled set).
    func restoreStage(_ taskState: [(String, Tensor)]) throws {
        stage = try stateTensor(taskState, "ssl.stage").toArray(Int.self).first ?? 0
        try addOn.restore(taskState)
        if let crest = addOn as? CReSTAddOn {
            data.labeled = crest.labeledSet(initial: initialLabeled, unlabeled: data.unlabeled)
        } else if let crt = addOn as? ClassifierRetrainingAddOn {
            crt.retraining = stage == 1
        }
    }
}
