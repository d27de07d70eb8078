import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch
import TorchNN

/// cRT and LWS (Kang et al.): the second stage leaves the first stage's backbone untouched.
@Suite struct SecondStageTests {
    private func tinyConfig(_ dir: String, stage: String = "joint") -> TrainConfig {
        var c = TrainConfig()
        c.dataset = "mnist"
        c.dataDir = dir
        c.arch = .resnet20
        c.epochs = 2
        c.batchSize = 32
        c.workers = 0
        c.stage = stage
        if stage != "joint" { c.schedule = .cosineToZero }
        return c
    }

    private func firstStage(_ dir: String, _ data: LoadedDataset) throws -> [(String, Tensor)] {
        let t = try SupervisedTask(config: tinyConfig(dir), train: data.train, test: data.test, normalization: data.normalization)
        try t.makeTrainer().run()
        return try t.savedStateDict().map { ($0.0, try $0.1.clone()) }
    }

    private func values(_ t: Tensor) throws -> [Double] { try t.toArray(Double.self) }

    @Test func crtRetrainsOnlyTheClassifier() throws {
        let dir = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(dir) }
        let data = try LoadedDataset.load(.mnist, dataDir: dir)
        let stage1 = try firstStage(dir, data)
        let t = try SupervisedTask(config: tinyConfig(dir, stage: "crt"), train: data.train, test: data.test,
                                   normalization: data.normalization, initialWeights: InitialWeights(source: "stage1", weights: stage1))
        #expect(t.model.trainableParameters().count == 2)
        try t.makeTrainer().run()
        let before = Dictionary(stage1, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in t.model.namedParameters() {
            let same = try values(tensor) == values(try #require(before[name]))
            #expect(same == !name.hasPrefix("fc."), "\(name): backbone must stay fixed, classifier must change")
        }
        // By default the backbone runs in eval mode: its BN running statistics stay the first stage's.
        let runningVar = try values(try #require(t.model.namedBuffers().first { $0.0 == "bn1.running_var" }?.1))
        #expect(try runningVar == values(try #require(before["bn1.running_var"])))

        // With backbone-bn: batch (the reference's train mode) they follow stage 2's batches.
        var batchConfig = tinyConfig(dir, stage: "crt")
        batchConfig.backboneBN = "batch"
        let b = try SupervisedTask(config: batchConfig, train: data.train, test: data.test,
                                   normalization: data.normalization, initialWeights: InitialWeights(source: "stage1", weights: stage1))
        try b.makeTrainer().run()
        let drifted = try values(try #require(b.model.namedBuffers().first { $0.0 == "bn1.running_var" }?.1))
        #expect(try drifted != values(try #require(before["bn1.running_var"])))
    }

    /// A first stage whose BN running statistics are far off (here: variances of 1e-8, as a short or
    /// unstable first stage of a deep net leaves them) gives eval-mode features that overflow. With
    /// backbone-bn: batch, cRT with its lr of 0.2 stays finite because the frozen backbone normalises
    /// with batch statistics, and the evaluation after it uses the re-estimated running statistics;
    /// with the default (frozen statistics) the run stops as diverged, saying so.
    @Test func crtOnAFirstStageWithBrokenBNStatisticsStaysFiniteWithBatchStatistics() throws {
        let dir = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(dir) }
        let data = try LoadedDataset.load(.mnist, dataDir: dir)
        let stage1 = try firstStage(dir, data).map { name, t in
            (name, name.hasSuffix("running_var") ? try Tensor.full(t.shape, 1e-8) : t)
        }
        var config = tinyConfig(dir, stage: "crt")
        config.lr = 0.2
        config.epochs = 1
        config.backboneBN = "batch"
        let t = try SupervisedTask(config: config, train: data.train, test: data.test,
                                   normalization: data.normalization, initialWeights: InitialWeights(source: "stage1", weights: stage1))
        let summary = try #require(try t.makeTrainer().run())
        let loss = try #require(summary.train["loss"]), evalLoss = try #require(summary.eval?.scalars["loss"])
        #expect(loss.isFinite && evalLoss.isFinite, "train loss \(loss), eval loss \(evalLoss)")

        config.backboneBN = "frozen"
        let frozen = try SupervisedTask(config: config, train: data.train, test: data.test,
                                        normalization: data.normalization, initialWeights: InitialWeights(source: "stage1", weights: stage1))
        do {
            _ = try frozen.makeTrainer().run()
            Issue.record("eval-mode BN with broken running statistics should have stopped the run as diverged")
        } catch let error as TailKitError {
            guard case .trainingDiverged(let message) = error else { Issue.record("wrong error: \(error)"); return }
            #expect(message.contains("epoch 1"), "\(message)")
        }
    }

    @Test func lwsLearnsScalesAndFoldsThemIntoTheSavedClassifier() throws {
        let dir = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(dir) }
        let data = try LoadedDataset.load(.mnist, dataDir: dir)
        let stage1 = try firstStage(dir, data)
        let t = try SupervisedTask(config: tinyConfig(dir, stage: "lws"), train: data.train, test: data.test,
                                   normalization: data.normalization, initialWeights: InitialWeights(source: "stage1", weights: stage1))
        #expect(t.model.trainableParameters().isEmpty)
        let trainer = try t.makeTrainer()
        try trainer.run()
        let saved = Dictionary(try t.savedStateDict(), uniquingKeysWith: { a, _ in a })
        let original = Dictionary(stage1, uniquingKeysWith: { a, _ in a })
        #expect(try values(try #require(saved["layer1.0.conv1.weight"])) == values(try #require(original["layer1.0.conv1.weight"])))
        #expect(try values(try #require(saved["fc.weight"])) != values(try #require(original["fc.weight"])))
        // The folded model gives the scaled logits of the trained one.
        let plain = try Architecture.resnet20.make(numClasses: 10, inChannels: 1, normedClassifier: false)
        try plain.loadStateDict(Array(saved), strict: true)
        plain.eval()
        t.model.eval()
        let x = try Tensor.randn([3, 1, 28, 28])
        let folded = try withNoGrad { try plain(x) }.toArray(Float.self)
        let ckpt = try trainer.checkpoint()
        // The scales are the task's own state, not hidden in the optimizer's.
        let scales = try #require(ckpt.taskState.first { $0.0 == "lws.scales" }?.1)
        #expect(!ckpt.optimizerState.contains { $0.0 == "lws.scales" })
        #expect(try values(scales) != [Double](repeating: 1, count: 10))
        let scaled = try withNoGrad { try t.model(x) * scales }.toArray(Float.self)
        try #require(folded.count == scaled.count && !folded.isEmpty)
        for (a, b) in zip(folded, scaled) { #expect(Swift.abs(a - b) < 1e-4) }
        // Resuming from the folded checkpoint recovers the unfolded classifier.
        let resumed = try SupervisedTask(config: tinyConfig(dir, stage: "lws"), train: data.train, test: data.test,
                                         normalization: data.normalization, initialWeights: InitialWeights(source: "stage1", weights: stage1))
        try resumed.makeTrainer().restore(from: ckpt)
        let w1 = try values(resumed.model.classifier.parameters()[0]), w2 = try values(t.model.classifier.parameters()[0])
        try #require(w1.count == w2.count && !w1.isEmpty)
        for (a, b) in zip(w1, w2) { #expect(Swift.abs(a - b) < 1e-5) }
    }

    @Test func secondStageOnAnotherArchitectureIsAClearError() throws {
        let dir = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(dir) }
        let data = try LoadedDataset.load(.mnist, dataDir: dir)
        let other = try Architecture.resnet32.make(numClasses: 10, inChannels: 1, normedClassifier: false)
        #expect(throws: TailKitError.self) {
            try SupervisedTask(config: tinyConfig(dir, stage: "crt"), train: data.train, test: data.test,
                               normalization: data.normalization, initialWeights: InitialWeights(source: "other.ckpt", weights: other.stateDict()))
        }
        var ldam = tinyConfig(dir, stage: "lws")
        ldam.loss = .ldam
        let cosine = try Architecture.resnet20.make(numClasses: 10, inChannels: 1, normedClassifier: true)
        #expect(throws: TailKitError.self) {
            try SupervisedTask(config: ldam, train: data.train, test: data.test, normalization: data.normalization,
                               initialWeights: InitialWeights(source: "ldam.ckpt", weights: cosine.stateDict()))
        }
    }
}

/// Every --arch trains through the same trainer; the second stages find each model's own head.
@Suite struct ArchitectureTrainingTests {
    @Test(arguments: [Architecture.resnet18, .wrn28_2])
    func trainsThenRetrainsTheClassifier(_ arch: Architecture) throws {
        let dir = try TinyDataset.writeMNISTStyle(trainPerClass: 8, testPerClass: 2)
        defer { TemporaryFolder.remove(dir) }
        let data = try LoadedDataset.load(.mnist, dataDir: dir)
        var c = TrainConfig()
        c.dataset = "mnist"
        c.dataDir = dir
        c.arch = arch
        c.epochs = 1
        c.batchSize = 40
        c.workers = 0
        let first = try SupervisedTask(config: c, train: data.train, test: data.test, normalization: data.normalization)
        #expect(try first.makeTrainer().run()?.eval?.matrices["confusion"]?.joined().reduce(0, +) == 20)
        c.stage = "lws"
        c.schedule = .cosine
        let second = try SupervisedTask(config: c, train: data.train, test: data.test, normalization: data.normalization,
                                        initialWeights: InitialWeights(source: "stage1", weights: try first.savedStateDict()))
        try second.makeTrainer().run()
        let prefix = try #require(second.model.logitLinear?.prefix)
        #expect(prefix == (arch == .wrn28_2 ? "classifier.classifier" : "fc"))
        let saved = Dictionary(try second.savedStateDict(), uniquingKeysWith: { a, _ in a })
        let before = Dictionary(try first.savedStateDict(), uniquingKeysWith: { a, _ in a })
        #expect(try #require(saved["\(prefix).weight"]).toArray(Float.self) != #require(before["\(prefix).weight"]).toArray(Float.self))
    }

    @Test func ldamCosineHeadOnlyForTheReferenceResNets() {
        #expect(throws: TailKitError.self) { try Architecture.wrn28_2.make(numClasses: 10, inChannels: 3, normedClassifier: true) }
    }
}
