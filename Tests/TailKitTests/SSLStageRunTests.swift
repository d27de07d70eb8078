import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch
import TorchNN

/// The stage switches of `tailkit ssl` in process on a tiny MNIST-format set: CReST's generation switch
/// grows the labeled set by its additions and draws the model and the EMA model afresh; cRT's stage
/// leaves the encoder as it was and trains only the re-initialised classifier.
@Suite(.serialized) struct SSLStageRunTests {
    private func task(_ imbalance: ImbalanceAddOnKind, data: String, steps: Int, algorithm: SSLAlgorithmKind = .fixmatch,
                      configure: (inout SSLConfig) -> Void = { _ in }) throws -> SemiSupervisedTask {
        var base = TrainConfig(task: .ssl)
        base.dataset = "mnist"
        base.dataDir = data
        base.arch = try Architecture(parsing: "resnet20")
        base.batchSize = 4
        base.workers = 1
        var ssl = SSLConfig(algorithm: algorithm, imbalance: imbalance)
        ssl.numValid = 50
        ssl.labeledHead = 12
        ssl.unlabeledHead = 20
        ssl.imbLabeled = 4
        ssl.imbUnlabeled = -2
        ssl.steps = steps
        ssl.evalEvery = 3
        ssl.threshold = 0.6
        configure(&ssl)
        let run = SSLRunConfig(base: base, ssl: ssl)
        try run.validate()
        let loaded = try LoadedDataset.load(.mnist, dataDir: data)
        return try SemiSupervisedTask(config: run, data: try SSLData.make(from: loaded, config: run))
    }

    private func values(_ state: [(String, Tensor)]) throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for (name, t) in state { out[name] = try t.to(.float64).flatten(start: 0).toArray(Double.self) }
        return out
    }

    @Test func aCReSTGenerationSwitchAddsPseudoLabelsAndRedrawsTheModels() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let task = try task(.crest, data: data, steps: 12) { $0.crest.generationSteps = 6; $0.crest.alpha = 100 }
        let crest = try #require(task.addOn as? CReSTAddOn)
        let before = task.data.labeled
        // Not a boundary: nothing happens.
        #expect(try task.stageSwitch(atStep: 5, resuming: false) == nil)
        let first = try #require(try task.stageSwitch(atStep: 0, resuming: true))
        #expect(first.optimizer == nil && first.startStep == 0 && first.steps == 6 && !first.newStream)

        let next = try #require(try task.stageSwitch(atStep: 6, resuming: false))
        #expect(next.startStep == 6 && next.steps == 6 && next.optimizer != nil && next.newStream)
        #expect(task.stage == 1 && crest.generation == 2)
        // The labeled set is the initial one plus the additions, with their pseudo-labels.
        let added = crest.additions
        #expect(!added.isEmpty, "an untrained EMA model still predicts some class for every image")
        try #require(task.data.labeled.count == before.count + added.count)
        #expect(Array(task.data.labeled.labels.prefix(before.count)) == before.labels)
        #expect(Array(task.data.labeled.labels.dropFirst(before.count)) == added.map(\.label))
        let expectedCounts = zip(before.classCounts(), crest.addedCounts).map { $0 + $1 }
        #expect(task.data.labeled.classCounts() == expectedCounts)
        // The model and the EMA model are a fresh draw seeded by (seed, generation).
        Torch.manualSeed(UInt64(task.config.base.seed) &+ 2)
        let fresh = try values(try task.config.base.arch.make(numClasses: task.data.labeled.numClasses, inChannels: task.data.labeled.channels, normedClassifier: false).stateDict())
        let online = try values(task.model.stateDict()), ema = try values(try #require(task.ema).model.stateDict())
        try #require(online.count == fresh.count && ema.count == fresh.count)
        for (name, v) in fresh {
            #expect(online[name] == v && ema[name] == v, "\(name) is not the fresh draw")
        }
        // Past the last boundary nothing more switches.
        #expect(try task.stageSwitch(atStep: 11, resuming: false) == nil)
    }

    /// ReMixMatch + CReST: the generation switch draws the rotation head afresh (Xavier-normal from the
    /// generator seeded by (seed, g), zero bias), as the reference re-creates the whole model, and the
    /// stage's fresh optimizer trains it; the alignment's window is kept.
    @Test func aReMixMatchCReSTSwitchRedrawsTheRotationHead() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let task = try task(.crest, data: data, steps: 12, algorithm: .remixmatch) { $0.crest.generationSteps = 6; $0.crest.alpha = 100 }
        let base = try #require(task.algorithm as? ReMixMatchAlgorithm)
        let head = try #require(base.rotationHead)
        // One batch into the alignment's window, so keeping it is seen.
        let dummy = SSLForward(labeledLogits: try Tensor.zeros([0, 10]), labels: try Tensor.zeros([0]), step: 5)
        _ = try base.guess(try Functional.softmax(try Tensor.randn([2, 10]), dim: 1), addOn: task.addOn, forward: dummy)
        #expect(base.alignment?.runningMean != nil)
        let windowBefore = try values(try base.stateTensors()).filter { $0.key.hasPrefix("remixmatch.da") }
        let before = try values(head.stateDict())
        let next = try #require(try task.stageSwitch(atStep: 6, resuming: false))
        #expect(next.optimizer != nil && task.stage == 1)
        let after = try values(head.stateDict())
        #expect(after["weight"] != before["weight"], "the rotation head was not redrawn")
        let expected = try Tensor.zeros(head.weight.shape)
        try withNoGrad { try Init.xavierNormal(expected, generator: try TorchGenerator(seed: UInt64(task.config.base.seed) &+ 2)) }
        #expect(after["weight"] == (try expected.to(.float64).flatten(start: 0).toArray(Double.self)), "not the seeded fresh draw")
        #expect(after["bias"]?.allSatisfy { $0 == 0 } == true)
        // The stage's optimizer is made over parameters(), which hold the head's (the same tensors).
        let parameters = task.parameters()
        #expect(parameters.contains { $0 === head.weight } && parameters.contains { $0 === head.bias })
        #expect(try values(try base.stateTensors()).filter { $0.key.hasPrefix("remixmatch.da") } == windowBefore)
    }

    @Test func cRTKeepsTheEncoderAndRetrainsTheClassifier() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let task = try task(.crt, data: data, steps: 6) { $0.crtSteps = 6 }
        let trainer = try task.makeTrainer()
        final class Snapshot: TrainerHook {
            let task: SemiSupervisedTask
            let take: (SemiSupervisedTask) throws -> [String: [Double]]
            var byStep: [Int: [String: [Double]]] = [:]
            var optimizers: [Int: ObjectIdentifier] = [:]
            weak var trainer: Trainer<SemiSupervisedTask>?
            init(_ task: SemiSupervisedTask, _ take: @escaping (SemiSupervisedTask) throws -> [String: [Double]]) { self.task = task; self.take = take }
            func stepEnded(_ event: StepEvent) throws {
                byStep[event.step] = try take(task)
                if let trainer { optimizers[event.step] = ObjectIdentifier(trainer.optimizer) }
            }
        }
        let snapshot = Snapshot(task) { [self] in try values($0.model.stateDict()) }
        snapshot.trainer = trainer
        trainer.hooks = [snapshot]
        try trainer.run()
        #expect(trainer.step == 12 && task.retraining && task.stage == 1)
        let atSix = try #require(snapshot.byStep[6]), atSeven = try #require(snapshot.byStep[7]), atTwelve = try #require(snapshot.byStep[12])
        #expect(snapshot.optimizers[6] != snapshot.optimizers[7] && snapshot.optimizers[7] == snapshot.optimizers[12])
        let classifier = task.model.classifierName + "."
        var encoderKeys = 0
        for (name, v) in atSix where !name.hasPrefix(classifier) {
            encoderKeys += 1
            // Weights and batch-norm statistics alike: the encoder is frozen in eval mode.
            #expect(atTwelve[name] == v, "encoder \(name) changed in the cRT stage")
        }
        #expect(encoderKeys > 10)
        let weight = classifier + "weight"
        #expect(atSix[weight] != atSeven[weight] && atSeven[weight] != atTwelve[weight], "the classifier should be re-drawn, then trained")
        // The raw model is the one evaluated and saved.
        #expect(task.evaluatedModel === task.model)
    }

    /// Resumed from the checkpoint written at the end of generation 1 (step 6, before the switch), the
    /// run redoes the switch (the same predictions, additions and fresh draw) and ends where the
    /// uninterrupted one does.
    @Test func aCReSTRunResumedAtTheGenerationBoundaryRedoesTheSwitchExactly() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        final class Keep: TrainerHook {
            var at6: Checkpoint?
            func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
                guard summary.step == 6 else { return }
                var kept = try checkpoint()
                // A checkpoint's tensors are the live ones: copy them, as writing the file does.
                kept.stateDict = try kept.stateDict.map { ($0.0, try $0.1.clone()) }
                kept.optimizerState = try kept.optimizerState.map { ($0.0, try $0.1.clone()) }
                kept.taskState = try kept.taskState.map { ($0.0, try $0.1.clone()) }
                at6 = kept
            }
        }
        let configure: (inout SSLConfig) -> Void = { $0.crest.generationSteps = 6; $0.crest.alpha = 100 }
        let straight = try task(.crest, data: data, steps: 12, configure: configure)
        let keep = Keep()
        let first = try straight.makeTrainer()
        first.hooks = [keep]
        try first.run()
        let checkpoint = try #require(keep.at6)
        #expect(try checkpoint.taskState.first { $0.0 == "ssl.stage" }?.1.itemInt() == 0)

        let resumed = try task(.crest, data: data, steps: 12, configure: configure)
        let second = try resumed.makeTrainer()
        try second.restore(from: checkpoint)
        try second.run()
        #expect(resumed.stage == 1 && resumed.data.labeled.count == straight.data.labeled.count)
        try expectSameTensors("state_dict", try straight.savedStateDict(), try resumed.savedStateDict())
        try expectSameTensors("task_state", try straight.stateTensors(), try resumed.stateTensors())
    }
}
