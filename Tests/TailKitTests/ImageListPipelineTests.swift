import Foundation
import Testing
import TestSupport
@testable import TailKit
import TailData

/// The two-stage ImageNet-LT recipe on a small image-folder data set written by the test:
/// list files + PNG images, stage 1 (ResNet-50, uniform sampling) then stage 2 cRT (class-aware).
@Suite struct ImageListPipelineTests {
    /// Three classes with 12, 6 and 3 training images of different sizes, 2 test images each, in a new
    /// temporary folder that the caller removes.
    private func writeImageFolder() throws -> String {
        let root = try TemporaryFolder("tk-imagenet-lt").path
        var trainLines: [String] = [], testLines: [String] = []
        for (c, count) in [12, 6, 3].enumerated() {
            let dir = "\(root)/train/n0\(c)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for i in 0..<(count + 2) {
                let side = 20 + (i % 3) * 6
                var rgb = [UInt8](repeating: 0, count: side * side * 3)
                for p in 0..<(side * side) { rgb[p * 3 + c] = 200; rgb[p * 3 + (c + 1) % 3] = UInt8((p * 7 + i) % 64) }
                let name = "train/n0\(c)/img\(i).png"
                try Data(PNGEncoder.encodeRGB(width: side, height: side, pixels: rgb)).write(to: URL(fileURLWithPath: "\(root)/\(name)"))
                if i < count { trainLines.append("\(name) \(c)") } else { testLines.append("\(name) \(c)") }
            }
        }
        try (trainLines.joined(separator: "\n") + "\n").write(toFile: "\(root)/ImageNet_LT_train.txt", atomically: true, encoding: .utf8)
        try (testLines.joined(separator: "\n") + "\n").write(toFile: "\(root)/ImageNet_LT_test.txt", atomically: true, encoding: .utf8)
        return root
    }

    @Test func stageOneThenClassifierRetraining() throws {
        let root = try writeImageFolder()
        defer { TemporaryFolder.remove(root) }
        var config = TrainConfig()
        config.dataset = "imagenet-lt"
        config.dataDir = root
        config.imageSize = 32
        config.arch = .resnet50
        config.augment = "imagenet-train"
        config.epochs = 1
        config.batchSize = 8
        config.workers = 0
        config.schedule = .cosineToZero
        // The ImageNet-LT recipe's lr 0.2 is for batch 512; scaled linearly to batch 8.
        config.lr = 0.003
        let prepared = try TrainingData.prepare(config)
        #expect(prepared.labeledCounts == [12, 6, 3])
        #expect(prepared.train.height == 32 && prepared.train.channels == 3 && prepared.dataset.test.count == 6)
        let stage1 = try SupervisedTask(config: config, train: prepared.train, test: prepared.dataset.test,
                                        normalization: prepared.dataset.normalization)
        let report = try #require(try stage1.makeTrainer().run()?.eval).matrices["confusion"]
        #expect(report?.joined().reduce(0, +) == 6)
        config.stage = "crt"
        config.sampler = .classAware
        let stage2 = try SupervisedTask(config: config, train: prepared.train, test: prepared.dataset.test,
                                        normalization: prepared.dataset.normalization,
                                        initialWeights: InitialWeights(source: "stage1", weights: try stage1.savedStateDict()))
        #expect(stage2.model.trainableParameters().count == 2)
        #expect(try stage2.makeTrainer().run() != nil)
        #expect(throws: TailKitError.self) {
            var bad = config
            bad.holdOut = 0.5
            _ = try TrainingData.prepare(bad)
        }
    }
}
