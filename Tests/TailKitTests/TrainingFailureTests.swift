import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch
import TorchNN

/// A diverging run stops with a message and keeps its last good checkpoint.
@Suite struct TrainingFailureTests {
    /// Blows the weights up after the first epoch, so the next loss is not finite.
    final class Saboteur: TrainerHook {
        let model: any ClassifierModel
        init(_ model: any ClassifierModel) { self.model = model }
        var phase: HookPhase { .console }
        func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
            for p in model.parameters() { try p.mulInPlace(.infinity) }
        }
    }

    @Test func nanLossStopsTheRunAndKeepsTheLastGoodCheckpoint() throws {
        let dir = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(dir) }
        var config = TrainConfig()
        config.dataset = "mnist"
        config.dataDir = dir
        config.arch = .resnet20
        config.epochs = 3
        config.batchSize = 32
        config.workers = 0
        let data = try LoadedDataset.load(.mnist, dataDir: dir)
        let task = try SupervisedTask(config: config, train: data.train, test: data.test, normalization: data.normalization)
        let trainer = try task.makeTrainer()
        let runs = try TemporaryFolder("tk-nan")
        defer { runs.remove() }
        let out = runs.file("run")
        let folder = try RunFolder(path: out, configYAML: config.yaml())
        trainer.hooks = folder.standardHooks(config: config, classNames: data.train.classNames) + [Saboteur(task.model)]
        do {
            try trainer.run()
            Issue.record("training went on with an infinite loss")
        } catch let TailKitError.trainingDiverged(message) {
            #expect(message.contains("epoch 2"))
            #expect(message.contains("last good checkpoint"))
        }
        let kept = try Checkpoint.read(from: folder.lastCheckpointPath)
        #expect(kept.epoch == 1)
        for (name, t) in kept.stateDict where t.dtype == .float32 {
            #expect(try t.isFinite().all().item() == 1, "\(name) is not finite in the kept checkpoint")
        }
    }
}
