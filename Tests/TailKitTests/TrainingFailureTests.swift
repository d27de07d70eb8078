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
    final class Saboteur: TrainingObserver {
        func runStarted(state: TrainingState, totalEpochs: Int, stepsPerEpoch: Int) {}
        func stepEnded(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double, lr: Double, imagesPerSecond: Double) {}
        func epochEnded(_ summary: EpochSummary, state: TrainingState) throws {
            for p in state.model.parameters() { try p.mulInPlace(.infinity) }
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
        let trainer = try SupervisedTrainer(config: config, train: data.train, test: data.test, normalization: data.normalization)
        let runs = try TemporaryFolder("tk-nan")
        defer { runs.remove() }
        let out = runs.file("run")
        let folder = try RunFolder(path: out, trainer: trainer, classNames: data.train.classNames)
        trainer.observers = [folder, Saboteur()]
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
