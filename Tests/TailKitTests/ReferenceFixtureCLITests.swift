import Foundation
import Testing
import TestSupport

/// The reference's own checkpoints through the command line, as a user would pass them:
/// `tailkit eval`, `pseudo-label --stdin`, `train --stage crt --pretrained` and `train --pretrained`
/// (rotation and MoCo files), on a small CIFAR-10 written in the published binary format.
@Suite(.serialized) struct ReferenceFixtureCLITests {
    private struct Output { var status: Int32; var out: String; var err: String }

    private func tailkit(_ args: [String], stdin: String = "") throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
        p.arguments = args
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }

    /// `cifar-10-batches-bin` with `perClass` training images per class over the five batch files
    /// and 3 test images per class: records of one label byte then 3072 plane-major pixels.
    private func writeCIFAR10(perClass: Int) throws -> String {
        let root = NSTemporaryDirectory() + "tk-cifar-\(UUID().uuidString)"
        let folder = root + "/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rng = SystemRandomNumberGenerator()
        func records(_ n: Int) -> [UInt8] {
            (0..<n).flatMap { i -> [UInt8] in [UInt8(i % 10)] + (0..<3072).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        }
        let perFile = perClass * 10 / 5
        for b in 1...5 { try Data(records(perFile)).write(to: URL(fileURLWithPath: "\(folder)/data_batch_\(b).bin")) }
        try Data(records(30)).write(to: URL(fileURLWithPath: "\(folder)/test_batch.bin"))
        let names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        try (names.joined(separator: "\n") + "\n").write(toFile: "\(folder)/batches.meta.txt", atomically: true, encoding: .utf8)
        return root
    }

    private let data = ["--dataset", "cifar10", "--imb-factor", "0.5"]

    @Test func evalAndPseudoLabelReadTheReferenceCheckpointsInBothFormats() throws {
        let root = try writeCIFAR10(perClass: 20)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var top1: [String] = []
        var labels: [String] = []
        let records = (0..<3).map { i in "img\(i)\t" + Data((0..<3072).map { UInt8(($0 * (i + 3)) % 256) }).base64EncodedString() }
        for name in ["train_ce_resnet32.pth.tar", "train_ce_resnet32_legacy.pth.tar"] {
            let json = "\(root)/\(name).eval.json"
            let eval = try tailkit(["eval", "--checkpoint", ReferenceFixtures.path(name), "--data-dir", root, "--json", json,
                                    "--threads", "1"] + data)
            #expect(eval.status == 0, "\(name): \(eval.err)")
            let report = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
            top1.append("\(report?["top1"] ?? "missing")")
            let pl = try tailkit(["pseudo-label", "--checkpoint", ReferenceFixtures.path(name), "--stdin", "--dataset", "cifar10",
                                  "--data-dir", root, "--threads", "1"], stdin: records.joined(separator: "\n") + "\n")
            #expect(pl.status == 0, "\(name): \(pl.err)")
            let lines = pl.out.split(separator: "\n")
            #expect(lines.count == 3 && lines.allSatisfy { $0.split(separator: "\t").count == 3 }, "\(pl.out)")
            labels.append(pl.out)
        }
        try #require(top1.count == 2 && labels.count == 2)
        #expect(!top1[0].contains("missing") && top1[0] == top1[1], "zip and legacy files are the same model: \(top1)")
        #expect(labels[0] == labels[1])
    }

    @Test func crtOnTheReferenceCheckpointUsesTheClsCrtRecipe() throws {
        let root = try writeCIFAR10(perClass: 20)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = "\(root)/crt"
        let r = try tailkit(["train", "--stage", "crt", "--pretrained", ReferenceFixtures.path("train_ce_resnet32_legacy.pth.tar"),
                             "--data-dir", root, "--epochs", "1", "--workers", "1", "--threads", "1", "--out", run] + data)
        #expect(r.status == 0, "\(r.err)")
        let config = try String(contentsOfFile: "\(run)/config.yaml", encoding: .utf8)
        for line in ["stage: crt", "lr: 0.2", "batch-size: 512", "wd: 0.0005", "epochs: 1", "schedule: cosine-to-zero"] {
            #expect(config.contains(line + "\n"), "config.yaml lacks '\(line)':\n\(config)")
        }
    }

    @Test(arguments: ["pretrain_rot_resnet32.pth.tar", "pretrain_moco_resnet32.pth.tar"])
    func selfSupervisedReferenceCheckpointsStartATrainingRun(_ name: String) throws {
        let root = try writeCIFAR10(perClass: 20)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try tailkit(["train", "--pretrained", ReferenceFixtures.path(name), "--data-dir", root, "--epochs", "1",
                             "--batch-size", "32", "--workers", "1", "--threads", "1", "--out", "\(root)/run"] + data)
        #expect(r.status == 0, "\(r.err)")
        // ResNet-32 has 188 state-dict tensors; all but the classifier's two come from the file.
        #expect(r.err.contains("pretrained: loaded 186 of 188 tensors"), "\(r.err)")
    }
}
