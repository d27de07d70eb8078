import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch
import TorchNN

/// The checkpoints that the reference code itself wrote (`../shared/fixtures/reference/`) load
/// through the paths `tailkit eval`, `pseudo-label` and `train --pretrained` / `--stage crt` use,
/// and give the reference's own outputs for the fixed input within 1e-4.
@Suite struct ReferenceFixtureTests {
    static let classifierFiles = ["train_ce_resnet32.pth.tar", "train_ce_resnet32_legacy.pth.tar",
                                  "train_ldam_resnet32_c100.pth.tar", "pretrain_rot_resnet32.pth.tar"]

    private func input() throws -> Tensor {
        let x = try ReferenceFixtures.input()
        #expect(x.shape == [8, 3, 32, 32])
        return try Tensor(x.values).reshape(x.shape)
    }

    private func expectClose(_ ours: Tensor, _ name: String) throws {
        let expected = try ReferenceFixtures.expectedOutput(name)
        #expect(ours.shape == expected.shape, "\(name): shape \(ours.shape) vs the reference's \(expected.shape)")
        let got = try ours.toArray(Float.self)
        try #require(got.count == expected.values.count && !got.isEmpty)
        let worst = zip(got, expected.values).map { Swift.abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "\(name): max difference \(worst) from the reference's output")
    }

    /// The classifier size the file's `fc.weight` implies (NormedLinear stores [in, out]).
    private func classes(of ckpt: Checkpoint) throws -> Int {
        let weight = try #require(ckpt.stateDict.first { $0.0 == "fc.weight" }?.1)
        return ckpt.hasCosineClassifier ? weight.shape[1] : weight.shape[0]
    }

    /// A random 3x32x32 data set of `classes` classes, standing in for CIFAR (only its shape matters here).
    private func dataset(classes: Int, perClass: Int = 2) -> LoadedDataset {
        var rng = SeededGenerator(seed: 7)
        let n = classes * perClass
        let set = ImageSet(images: (0..<(n * 3072)).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
                           labels: (0..<n).map { $0 % classes }, height: 32, width: 32, channels: 3,
                           classNames: (0..<classes).map { "class\($0)" })
        return LoadedDataset(name: classes == 100 ? .cifar100 : .cifar10, train: set, test: set, normalization: .issCIFAR)
    }

    @Test(arguments: classifierFiles)
    func referenceClassifierGivesTheReferenceLogits(_ name: String) throws {
        let ckpt = try Checkpoint.read(from: ReferenceFixtures.path(name))
        #expect(ckpt.arch == "resnet32")
        #expect(ckpt.stateDict.first?.0 == "conv1.weight" && ckpt.stateDict.last?.0.hasPrefix("fc.") == true)
        // What `tailkit eval` / `pseudo-label` build from a checkpoint without a TailKit config.
        let config = try ckpt.trainConfig()
        let model = try ckpt.restoredModel(config: config, data: dataset(classes: try classes(of: ckpt)), source: name)
        model.eval()
        try expectClose(try withNoGrad { try model(input()) }, name)
    }

    @Test func ldamCheckpointIsReadAsACosineClassifier() throws {
        let ckpt = try Checkpoint.read(from: ReferenceFixtures.path("train_ldam_resnet32_c100.pth.tar"))
        #expect(ckpt.hasCosineClassifier)
        let plain = try Checkpoint.read(from: ReferenceFixtures.path("train_ce_resnet32.pth.tar"))
        #expect(!plain.hasCosineClassifier)
        let model = try ckpt.restoredModel(config: ckpt.trainConfig(), data: dataset(classes: 100), source: "ldam")
        #expect(model.classifier is NormedLinear)
    }

    @Test func legacyAndZipFilesHoldTheSameCheckpoint() throws {
        let current = try Checkpoint.read(from: ReferenceFixtures.path("train_ce_resnet32.pth.tar"))
        let legacy = try Checkpoint.read(from: ReferenceFixtures.path("train_ce_resnet32_legacy.pth.tar"))
        #expect(current.epoch == 3 && legacy.epoch == 3)
        #expect(Swift.abs(current.bestTop1 - 51.25) < 1e-9 && Swift.abs(legacy.bestTop1 - 51.25) < 1e-9)
        try #require(current.stateDict.count == legacy.stateDict.count && !current.stateDict.isEmpty)
        for ((a, x), (b, y)) in zip(current.stateDict, legacy.stateDict) {
            #expect(a == b)
            #expect(try x.to(DType.float64).toArray(Double.self) == y.to(DType.float64).toArray(Double.self), "\(a)")
        }
    }

    @Test func mocoCheckpointGivesTheQueryEncodersBackbone() throws {
        let name = "pretrain_moco_resnet32.pth.tar"
        let weights = try Checkpoint.modelWeights(from: ReferenceFixtures.path(name))
        #expect(!weights.isEmpty && weights.allSatisfy { !$0.0.contains("encoder_") && !$0.0.hasPrefix("fc.") && $0.0 != "queue" })
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        // What `tailkit train --pretrained moco.pth.tar` does: the backbone loads, the classifier stays fresh.
        let loaded = try PretrainedWeights.load(from: ReferenceFixtures.path(name), into: model, arch: .resnet32)
        #expect(loaded.loaded == model.stateDict().count - 2 && loaded.ignoredKeys.isEmpty)
        model.eval()
        try expectClose(try withNoGrad { try model.features(input()) }, name)
    }

    @Test func rotationCheckpointStartsASupervisedRunWithItsBackbone() throws {
        let name = "pretrain_rot_resnet32.pth.tar"
        let data = dataset(classes: 10)
        var config = TrainConfig()
        config.workers = 0
        let task = try SupervisedTask(config: config, train: data.train, test: data.test, normalization: data.normalization,
                                      initialWeights: try InitialWeights.read(from: ReferenceFixtures.path(name)))
        let file = Dictionary(try Checkpoint.modelWeights(from: ReferenceFixtures.path(name)), uniquingKeysWith: { a, _ in a })
        let backbone = task.model.stateDict().filter { !$0.0.hasPrefix("fc.") }
        try #require(backbone.count == file.count - 2)
        for (key, tensor) in backbone {
            let source = try #require(file[key], "\(key) missing from the rotation file")
            #expect(try tensor.contiguous().toArray(Float.self) == source.to(DType.float32).toArray(Float.self), "\(key)")
        }
    }

    @Test func crtStartsFromTheLDAMCheckpointsBackboneWithAFreshLinearHead() throws {
        let name = "train_ldam_resnet32_c100.pth.tar"
        let data = dataset(classes: 100)
        var config = TrainConfig()
        config.stage = "crt"
        config.workers = 0
        config.applyReferenceRecipe(explicitKeys: [])
        let task = try SupervisedTask(config: config, train: data.train, test: data.test, normalization: data.normalization,
                                      initialWeights: try InitialWeights.read(from: ReferenceFixtures.path(name)))
        let model = task.model
        #expect(model.classifier is Linear)
        let file = Dictionary(try Checkpoint.modelWeights(from: ReferenceFixtures.path(name)), uniquingKeysWith: { a, _ in a })
        model.eval()
        let features = try withNoGrad { try model.features(input()) }
        let reference = try ResNetCIFAR.resnet32(numClasses: 100, normedClassifier: true)
        try reference.loadStateDict(Array(file), strict: false)
        reference.eval()
        let expected = try withNoGrad { try reference.features(input()) }
        #expect(try (features - expected).abs().max().item() < 1e-5)
    }

    @Test func oldCheckpointsWithALinearClassifierAreRenamedToFC() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        let old = model.stateDict().map { ($0.0.hasPrefix("fc.") ? "linear." + $0.0.dropFirst(3) : $0.0, $0.1) }
        #expect(old.contains { $0.0 == "linear.weight" })
        try Torch.save(old.map { ("module." + $0.0, $0.1) }, to: "\(dir)/old.pth")
        let weights = try Checkpoint.modelWeights(from: "\(dir)/old.pth")
        #expect(weights.map(\.0) == model.stateDict().map(\.0))
        try ResNetCIFAR.resnet32(numClasses: 10).loadStateDict(weights, strict: true)
    }

    @Test func mocoFileWithoutAQueryEncoderIsRefusedNamingTheFile() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let raw = try Torch.loadTensors(from: ReferenceFixtures.path("pretrain_moco_resnet32.pth.tar"))
        let keyOnly = raw.filter { !$0.0.contains("encoder_q.") }
        try #require(keyOnly.count < raw.count && keyOnly.contains { $0.0.contains("encoder_k.") })
        let path = "\(dir)/moco_without_q.pth.tar"
        try Torch.save(keyOnly, to: path)
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        let before = try model.stateDict().map { try $0.1.contiguous().toArray(Float.self) }
        do {
            try PretrainedWeights.load(from: path, into: model, arch: .resnet32)
            Issue.record("a MoCo file without encoder_q keys was accepted")
        } catch let error as TailKitError {
            #expect("\(error)".contains(path) && "\(error)".contains("encoder_q"), "\(error)")
        }
        let after = try model.stateDict().map { try $0.1.contiguous().toArray(Float.self) }
        #expect(before == after, "nothing may be loaded from a refused file")
    }

    @Test func truncatedLegacyCheckpointIsRefusedNamingTheFile() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let bytes = try #require(FileManager.default.contents(atPath: ReferenceFixtures.path("train_ce_resnet32_legacy.pth.tar")))
        for fraction in [0.001, 0.01, 0.5, 0.999] {
            let path = "\(dir)/truncated_\(fraction).pth.tar"
            try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Checkpoint.read(from: path)
                Issue.record("a legacy checkpoint cut at \(fraction) of its length was read")
            } catch {
                #expect("\(error)".contains(path), "\(error)")
            }
        }
    }
}
