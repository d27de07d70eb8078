import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch
import TorchNN

/// A two-conv backbone that steps in seconds, for MoCo's learning test (ResNet-32 would take
/// minutes on the shared CPU); it also shows that MoCo takes any `ClassifierModel`.
private final class PretrainTinyBackbone: Module, ClassifierModel {
    let featureDim = 32
    let numClasses = 1
    let body: Sequential
    let classifier: Module

    init(inChannels: Int) throws {
        body = Sequential(try Conv2d(inChannels, 16, kernelSize: 3, stride: 2, padding: 1, bias: false), try BatchNorm2d(16), ReLU(),
                          try Conv2d(16, 32, kernelSize: 3, stride: 2, padding: 1, bias: false), try BatchNorm2d(32), ReLU())
        classifier = try Linear(32, 1)
        super.init()
        registerModule("body", body)
        registerModule("linear", classifier)
    }

    func features(_ x: Tensor) throws -> Tensor {
        let out = try body(x)
        return try Functional.avgPool2d(out, kernel: out.shape[2]).flatten(start: 1)
    }

    func logits(fromFeatures f: Tensor) throws -> Tensor { try classifier(f) }
    override func forward(_ x: Tensor) throws -> Tensor { try logits(fromFeatures: features(x)) }
}

@Suite(.serialized) struct PretrainingTests {
    private func tinyData(perClass: Int) throws -> LoadedDataset {
        let dir = try TinyDataset.writeMNISTStyle(trainPerClass: perClass, testPerClass: 2)
        defer { TemporaryFolder.remove(dir) }
        return try LoadedDataset.load(.mnist, dataDir: dir)
    }

    private func mocoConfig(batchSize: Int) -> TrainConfig {
        var config = TrainConfig(task: .moco)
        config.batchSize = batchSize
        config.workers = 0
        return config
    }

    /// One optimizer step of a MoCo task, as the trainer makes it; returns the loss.
    @discardableResult
    private func step(_ task: MoCoTask, _ optimizer: any Optimizer, _ batch: Batch) throws -> Double {
        let out = try task.step(batch, at: SchedulePosition(epoch: batch.epoch, step: 0, stepsPerEpoch: 1, totalSteps: 1))
        optimizer.zeroGrad()
        try out.loss.backward()
        try optimizer.step()
        try task.afterOptimizerStep()
        return try out.loss.item()
    }

    private func batches(_ task: MoCoTask, epochs: Int = 1) throws -> [Batch] {
        let stream = try task.makeStream()
        return Array(try stream.batches(fromStep: 0).prefix(epochs * stream.stepsPerEpoch))
    }

    private func maxDifference(_ a: Tensor, _ b: Tensor) throws -> Double {
        try (a.to(.float64) - b.to(.float64)).abs().max().item()
    }

    @Test func rotationPretrainingLowersTheLossAndItsCheckpointFitsResNet32() throws {
        let data = try tinyData(perClass: 6)
        var config = TrainConfig(task: .rotation)
        config.epochs = 3
        config.batchSize = 20
        config.workers = 0
        // Batches of 20 are too small for the reference's 0.1 without warm-up (the first of 3 epochs).
        config.lr = 0.02
        let task = try RotationPretrainingTask(config: config, train: data.train, test: data.test, normalization: data.normalization)
        let trainer = try task.makeTrainer()
        let runs = try TemporaryFolder("tk-rot")
        defer { runs.remove() }
        let folder = try RunFolder(path: runs.file("run"), configYAML: config.yaml())
        trainer.hooks = folder.standardHooks(config: config, classNames: data.train.classNames)
        try trainer.run()
        let summaries = try RunLog.periods(in: folder.logPath)
        try #require(summaries.count == 3)
        let losses = summaries.compactMap { $0.train["loss"] }
        // 60 images of 4 rotations in batches of 20 make a noisy curve (and the initial weights depend on
        // which tests share libtorch's generator at the time), so a later epoch must beat the first,
        // not necessarily the last one.
        try #require(losses.count == 3)
        #expect(min(losses[1], losses[2]) < losses[0], "rotation loss \(losses)")
        #expect(summaries.allSatisfy { $0.eval?.scalars["accuracy"] != nil })

        let saved = try Checkpoint.read(from: folder.lastCheckpointPath)
        #expect(saved.epoch == 3 && saved.arch == "resnet32")
        let model = try ResNetCIFAR.resnet32(numClasses: 10, inChannels: 1)
        let mismatch = try model.loadStateDict(saved.stateDict, strict: false)
        #expect(mismatch.missingKeys.isEmpty && mismatch.unexpectedKeys.isEmpty)
        #expect(mismatch.shapeMismatches.count == 2 && mismatch.shapeMismatches.allSatisfy { $0.hasPrefix("fc.") },
                "only the 4-way classifier may differ: \(mismatch.shapeMismatches)")
        let trained = Dictionary(task.model.stateDict(), uniquingKeysWith: { a, _ in a })
        for (name, t) in model.stateDict() where !name.hasPrefix("fc.") {
            let source = try #require(trained[name])
            #expect(try maxDifference(t, source) == 0, "\(name) was not loaded")
        }

        let fresh = try ResNetCIFAR.resnet32(numClasses: 10, inChannels: 1)
        let loaded = try PretrainedWeights.load(from: folder.lastCheckpointPath, into: fresh, arch: .resnet32)
        #expect(loaded.loaded == loaded.total - 2 && loaded.ignoredKeys.isEmpty)
    }

    @Test func queueStartsAsUnitColumnsAndWrapsAround() throws {
        let queue = try MoCoQueue(dim: 3, size: 10)
        #expect(queue.keys.shape == [3, 10])
        #expect(try maxDifference(queue.keys.norm(dims: [0]), Tensor.ones([10])) < 1e-5)
        func batch(_ first: Int) throws -> Tensor {
            try Tensor((0..<12).map { Float(first * 100 + $0) }, shape: [4, 3])
        }
        try queue.enqueue(batch(1))
        #expect(queue.pointer == 4)
        try queue.enqueue(batch(2))
        #expect(queue.pointer == 8)
        try queue.enqueue(batch(3))
        #expect(queue.pointer == 2)
        let columns = try queue.keys.transpose(0, 1).contiguous()
        // Third batch: rows 0, 1 at columns 8, 9, rows 2, 3 wrapped to columns 0, 1.
        #expect(try maxDifference(columns.narrow(dim: 0, start: 8, length: 2), batch(3).narrow(dim: 0, start: 0, length: 2)) == 0)
        #expect(try maxDifference(columns.narrow(dim: 0, start: 0, length: 2), batch(3).narrow(dim: 0, start: 2, length: 2)) == 0)
        #expect(try maxDifference(columns.narrow(dim: 0, start: 2, length: 6), Tensor.cat([batch(1).narrow(dim: 0, start: 2, length: 2), batch(2)])) == 0)
        #expect(throws: TorchError.self) { try queue.enqueue(Tensor.zeros([11, 3])) }
        #expect(throws: TorchError.self) { try queue.enqueue(Tensor.zeros([2, 4])) }
    }

    @Test func keyEncoderFollowsTheMomentumRule() throws {
        let data = try tinyData(perClass: 2)
        var config = mocoConfig(batchSize: 8)
        config.mocoM = 0.9
        config.lr = 0.5
        let trainer = try MoCoTask(config: config, train: data.train, normalization: data.normalization,
                                   makeBackbone: { try PretrainTinyBackbone(inChannels: 1) })
        let optimizer = try config.makeOptimizer(trainer.parameters())
        #expect(trainer.queue.size == data.train.count, "the queue is capped to the training set")
        let batches = try batches(trainer)
        try #require(batches.count >= 2)
        try step(trainer, optimizer, batches[0])
        let name = "body.3.weight"
        let query = try #require(trainer.queryEncoder.backbone.namedParameters().first { $0.0 == name }?.1)
        let key = try #require(trainer.keyEncoder.backbone.namedParameters().first { $0.0 == name }?.1)
        let (queryBefore, keyBefore) = (try query.detach().clone(), try key.detach().clone())
        #expect(try maxDifference(queryBefore, keyBefore) > 0, "after one step the encoders differ")
        let pointer = trainer.queue.pointer
        let loss = try step(trainer, optimizer, batches[1])
        #expect(loss.isFinite)
        let expected = try keyBefore * 0.9 + queryBefore * 0.1
        #expect(try maxDifference(key, expected) < 1e-6)
        #expect(try maxDifference(query, queryBefore) > 0, "the query encoder learns by SGD")
        #expect(trainer.queue.pointer == (pointer + 8) % trainer.queue.size)
        #expect(!key.requiresGrad)
    }

    @Test func mocoCheckpointIsThePlainResNet32Backbone() throws {
        let data = try tinyData(perClass: 1)
        let trainer = try MoCoTask(config: mocoConfig(batchSize: 8), train: data.train, normalization: data.normalization)
        let saved = try trainer.makeTrainer().checkpoint()
        let plain = try ResNetCIFAR.resnet32(numClasses: 10, inChannels: 1)
        #expect(saved.arch == "resnet32")
        #expect(saved.stateDict.map(\.0) == plain.stateDict().map(\.0).filter { !$0.hasPrefix("fc.") })
        let temp = try TemporaryFolder("tk-moco")
        defer { temp.remove() }
        let path = temp.file("moco.ckpt")
        try saved.write(to: path)
        let loaded = try PretrainedWeights.load(from: path, into: plain, arch: .resnet32)
        #expect(loaded.loaded == loaded.total - 2)
        let query = Dictionary(trainer.queryEncoder.backboneStateDict(), uniquingKeysWith: { a, _ in a })
        for (name, t) in plain.stateDict() where !name.hasPrefix("fc.") {
            #expect(try maxDifference(t, try #require(query[name])) == 0, "\(name) is not the query encoder's")
        }
    }

    @Test func mocoLossIsFiniteAndFallsOnTheTinySet() throws {
        let data = try tinyData(perClass: 8)
        var config = mocoConfig(batchSize: 16)
        config.lr = 0.1
        config.mocoM = 0.99
        let trainer = try MoCoTask(config: config, train: data.train, normalization: data.normalization,
                                   makeBackbone: { try PretrainTinyBackbone(inChannels: 1) })
        let optimizer = try config.makeOptimizer(trainer.parameters())
        var losses: [Double] = []
        for batch in try batches(trainer, epochs: 8) { losses.append(try step(trainer, optimizer, batch)) }
        #expect(losses.count == 40 && losses.allSatisfy { $0.isFinite })
        // The loss starts low against the random initial queue and climbs to about log(K + 1) while
        // the queue fills with real keys (5 steps here); from there it must fall.
        let mean = { (s: ArraySlice<Double>) in s.reduce(0, +) / Double(s.count) }
        let afterFill = mean(losses[5..<10]), last = mean(losses[35...])
        #expect(afterFill > 4 && last < afterFill - 0.1, "MoCo loss after the queue filled \(afterFill), at the end \(last): \(losses)")
    }

    @Test func pretrainedFileOfAnotherArchitectureIsRefused() throws {
        let data = try tinyData(perClass: 1)
        var config = TrainConfig(task: .rotation)
        config.arch = .resnet20
        let resnet20 = try RotationPretrainingTask(config: config, train: data.train, test: nil, normalization: data.normalization)
            .makeTrainer()
        let temp = try TemporaryFolder("tk-arch")
        defer { temp.remove() }
        let dir = temp.path
        try resnet20.checkpoint().write(to: "\(dir)/named.ckpt")
        var unnamed = try resnet20.checkpoint()
        unnamed.arch = ""
        try unnamed.write(to: "\(dir)/unnamed.ckpt")

        let model = try ResNetCIFAR.resnet32(numClasses: 10, inChannels: 1)
        let before = try model.stateDict().map { try $0.1.clone() }
        func refusal(_ file: String, _ target: any ClassifierModel, _ arch: Architecture = .resnet32) -> String {
            do {
                try PretrainedWeights.load(from: "\(dir)/\(file)", into: target, arch: arch)
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("named.ckpt", model).contains("pre-trained as resnet20 but this run builds resnet32"))
        let keys = refusal("unnamed.ckpt", model)
        #expect(keys.contains("does not fit the resnet32 backbone") && keys.contains("layer1.3"), "\(keys)")
        for ((name, t), old) in zip(model.stateDict(), before) {
            #expect(try maxDifference(t, old) == 0, "\(name) changed although the file was refused")
        }
        let rgb = try Architecture.resnet20.make(numClasses: 10, inChannels: 3, normedClassifier: false)
        #expect(refusal("named.ckpt", rgb, .resnet20).contains("different shapes: conv1.weight"))
    }
}
