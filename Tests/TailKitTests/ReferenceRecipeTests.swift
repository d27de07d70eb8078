import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import TorchNN
import Yams

/// Defaults and schedules as the reference's files have them (ISS 3.5, 4.1, 4.2, 4.7).
@Suite struct ReferenceRecipeTests {
    @Test func crtFollowsClsCrtYaml() {
        var config = TrainConfig()
        config.stage = "crt"
        config.applyReferenceRecipe(explicitKeys: [])
        #expect(config.lr == 0.2 && config.batchSize == 512 && config.wd == 5e-4 && config.epochs == 10)
        #expect(config.schedule == .cosineToZero && config.sampler == .auto)
        var inat = TrainConfig()
        inat.stage = "lws"
        inat.dataset = "inat2018"
        inat.applyReferenceRecipe(explicitKeys: [])
        #expect(inat.wd == 1e-4 && inat.epochs == 30 && inat.batchSize == 512 && inat.lr == 0.2)
    }

    @Test func whatTheUserSetWinsOverTheRecipe() {
        var config = TrainConfig()
        config.stage = "crt"
        config.epochs = 3
        config.lr = 0.05
        config.applyReferenceRecipe(explicitKeys: ["epochs", "lr"])
        #expect(config.epochs == 3 && config.lr == 0.05)
        #expect(config.batchSize == 512 && config.wd == 5e-4)
    }

    @Test func recipeHoldsWithAConfigFileUnlessTheFileSetsTheKey() throws {
        let dir = NSTemporaryDirectory() + "tk-recipe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/crt.yaml"
        try "stage: crt\nbatch-size: 128\nimb-factor: 0.02\n".write(toFile: path, atomically: true, encoding: .utf8)
        var config = try TrainConfig(yamlFile: path)
        let keys = try TrainConfig.keys(inYAMLFile: path)
        #expect(keys == ["stage", "batch-size", "imb-factor"])
        config.applyReferenceRecipe(explicitKeys: keys)
        #expect(config.batchSize == 128, "the file's batch size stays")
        #expect(config.lr == 0.2 && config.wd == 5e-4 && config.epochs == 10 && config.imbFactor == 0.02)
    }

    @Test func selfTrainingUsesTrainSemiBatch() {
        var semi = TrainConfig()
        semi.unlabeled = "remainder"
        semi.applyReferenceRecipe(explicitKeys: [])
        #expect(semi.batchSize == 256 && semi.lr == 0.1 && semi.epochs == 200)
        var chosen = TrainConfig()
        chosen.unlabeled = "remainder"
        chosen.batchSize = 64
        chosen.applyReferenceRecipe(explicitKeys: ["batch-size"])
        #expect(chosen.batchSize == 64)
        var plain = TrainConfig()
        plain.applyReferenceRecipe(explicitKeys: [])
        #expect(plain == TrainConfig(), "a plain joint run keeps train.py's defaults")
    }

    @Test func classAwareEpochIsLenOverBatchSteps() {
        // ImageNet-LT: int(115846 / 128) = 905 steps; cRT with batch 512: 226.
        #expect(SupervisedTask.classAwareEpochLength(trainCount: 115_846, batchSize: 128) == 905 * 128)
        #expect(SupervisedTask.classAwareEpochLength(trainCount: 115_846, batchSize: 512) == 226 * 512)
        #expect(SupervisedTask.classAwareEpochLength(trainCount: 100, batchSize: 512) == 512, "at least one batch")
    }

    @Test func crtEpochHasLenOverBatchStepsWithClassAwareSampling() throws {
        let dir = try TinyDataset.writeMNISTStyle(trainPerClass: 30, testPerClass: 2)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try LoadedDataset.load(.mnist, dataDir: dir)
        let stage1 = try Architecture.resnet20.make(numClasses: 10, inChannels: 1, normedClassifier: false)
        var config = TrainConfig()
        config.dataset = "mnist"
        config.arch = .resnet20
        config.stage = "crt"
        config.workers = 0
        config.applyReferenceRecipe(explicitKeys: [])
        config.batchSize = 64
        config.epochs = 1
        let steps = StepCounter()
        let trainer = try SupervisedTask(config: config, train: data.train, test: data.test, normalization: data.normalization,
                                         initialWeights: InitialWeights(source: "stage1", weights: stage1.stateDict())).makeTrainer()
        trainer.hooks = [steps]
        try trainer.run()
        // 300 images / 64 = 4 steps of 64, where the class-aware sampler's own length (30 x 10 = 300) would give 5.
        #expect(steps.perEpoch == [4])
    }

    @Test func scheduleScalesBelow200EpochsRoundingHalfToEven() {
        #expect(StepWarmupSchedule.referencePoints(epochs: 200) == (5, 160, 180))
        #expect(StepWarmupSchedule.referencePoints(epochs: 300) == (5, 160, 180))
        #expect(StepWarmupSchedule.referencePoints(epochs: 30) == (1, 24, 27))
        // 5 * 100 / 200 = 2.5 rounds to 2, as Python's round does.
        #expect(StepWarmupSchedule.referencePoints(epochs: 100) == (2, 80, 90))
        // 5 * 20 / 200 = 0.5 rounds to 0, then at least 1.
        #expect(StepWarmupSchedule.referencePoints(epochs: 20).warmup == 1)
        // 180 * 25 / 200 = 22.5 -> 22, 160 * 25 / 200 = 20.
        #expect(StepWarmupSchedule.referencePoints(epochs: 25) == (1, 20, 22))
        #expect(TrainRule.drwStartEpoch(totalEpochs: 300) == 160)
        #expect(TrainRule.drwStartEpoch(totalEpochs: 30) == 24)
        let schedule = StepWarmupSchedule.reference(baseLR: 0.1, epochs: 300)
        #expect(schedule.learningRate(epoch: 159) == 0.1 && Swift.abs(schedule.learningRate(epoch: 160) - 0.001) < 1e-12)
    }

    @Test func randNumberPicksTheSubsetAndSeedDoesNot() throws {
        let dir = try TinyDataset.writeMNISTStyle(trainPerClass: 30, testPerClass: 2)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = TrainConfig()
        config.dataset = "mnist"
        config.dataDir = dir
        config.imbFactor = 0.1
        let base = try TrainingData.prepare(config)
        config.seed = 5
        let otherSeed = try TrainingData.prepare(config)
        config.randNumber = 5
        let otherSubset = try TrainingData.prepare(config)
        try #require(base.train.count > 0 && base.train.count == otherSeed.train.count)
        #expect(base.train.images == otherSeed.train.images, "--seed must not change the long-tailed subset")
        #expect(base.labeledCounts == otherSubset.labeledCounts)
        #expect(base.train.images != otherSubset.train.images, "--rand-number picks another subset")
    }

    @Test func configYamlWritesPlainPaths() throws {
        var config = TrainConfig()
        config.dataDir = "/tmp/data/cifar-10"
        config.unlabeled = "remainder"
        config.pseudoLabels = "runs/pl: v2.pickle"
        let text = config.yaml()
        #expect(text.contains("data-dir: /tmp/data/cifar-10\n"))
        #expect(!text.contains("\\/"))
        #expect(text.contains("pseudo-labels: \"runs/pl: v2.pickle\"\n"))
        #expect(text.contains("rand-number: 0\n"))
        let back = try YAMLDecoder().decode(TrainConfig.self, from: text)
        #expect(back == config)
    }

    @Test func seededShuffleIsFisherYatesAndStable() {
        var rng = SeededGenerator(seed: 42)
        var order = Array(0..<10)
        rng.shuffle(&order)
        #expect(order.sorted() == Array(0..<10) && order != Array(0..<10))
        // Fisher-Yates from the top with int(below:) draws, recomputed by hand from the same stream.
        var draws = SeededGenerator(seed: 42)
        var expected = Array(0..<10)
        for i in stride(from: 9, through: 1, by: -1) { expected.swapAt(i, draws.int(below: i + 1)) }
        #expect(order == expected)
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        #expect((0..<1000).map { _ in a.int(below: 7) } == (0..<1000).map { _ in Int.random(in: 0..<7, using: &b) })
    }
}

/// Counts the steps of each epoch.
private final class StepCounter: TrainerHook {
    var perEpoch: [Int] = []
    func stepEnded(_ event: StepEvent) throws {
        if event.stepInPeriod == 1 { perEpoch.append(0) }
        perEpoch[perEpoch.count - 1] = event.stepInPeriod
    }
}
