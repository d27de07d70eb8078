import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport

/// The self-training pipeline through the CLI: base model, pseudo-labels (file and stream),
/// training on the labeled set joined with the pseudo-labeled pool; and its bad inputs.
@Suite(.serialized) struct SelfTrainingTests {
    private var binary: String {
        get throws { try TailKitExecutable.path() }
    }

    @discardableResult
    private func tailkit(_ args: [String], stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = args
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    private let common = ["--dataset", "mnist", "--imb-factor", "0.2", "--hold-out", "0.5", "--arch", "resnet20",
                          "--epochs", "1", "--batch-size", "32", "--workers", "1", "--threads", "1"]

    @Test func baseModelPseudoLabelsThenSelfTraining() throws {
        let data = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-self-training")
        defer { runs.remove() }
        let base = runs.file("base")
        let r1 = try tailkit(["train", "--data-dir", data, "--out", base] + common)
        #expect(r1.status == 0, "\(r1.err)")
        let labels = "\(data)/pl.pickle"
        let r2 = try tailkit(["pseudo-label", "--checkpoint", "\(base)/last.ckpt", "--pool", "remainder", "--out", labels])
        #expect(r2.status == 0, "\(r2.err)")
        #expect(r2.out.contains("pseudo-label accuracy"))
        let pl = try PseudoLabelFile.read(path: labels, numClasses: 10)
        #expect(pl.targets.count == 300 && pl.groundTruth?.count == 300)
        let lines = try String(contentsOfFile: labels + ".jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 300 && lines[0].contains("\"confidence\""))
        #expect(try tailkit(["pseudo-label", "--checkpoint", "\(base)/last.ckpt", "--pool", "remainder", "--out", labels]).status != 0)

        let semi = runs.file("semi")
        let r3 = try tailkit(["train", "--data-dir", data, "--out", semi, "--unlabeled", "remainder", "--pseudo-labels", labels,
                              "--imb-factor-unlabel", "1", "--unlabeled-ratio", "1"] + common)
        #expect(r3.status == 0, "\(r3.err)")
        #expect(r3.err.contains("pseudo-labeled images join"))
        let quality = try JSONDecoder().decode(PseudoLabelQuality.self,
                                               from: Data(contentsOf: URL(fileURLWithPath: "\(semi)/pseudo_label_quality.json")))
        #expect(quality.precision.count == 10 && quality.recall.count == 10)

        // Streaming mode: ID<TAB>BASE64 in, ID<TAB>LABEL<TAB>CONFIDENCE out.
        let image = Data([UInt8](repeating: 200, count: 28 * 28)).base64EncodedString()
        let r4 = try tailkit(["pseudo-label", "--checkpoint", "\(base)/last.ckpt", "--stdin"], stdin: "a\t\(image)\nb\t\(image)\n")
        let rows = r4.out.split(separator: "\n").map { $0.split(separator: "\t") }
        #expect(r4.status == 0 && rows.count == 2 && rows[0][0] == "a" && rows[1].count == 3, "\(r4.err)")
        let r5 = try tailkit(["pseudo-label", "--checkpoint", "\(base)/last.ckpt", "--stdin"], stdin: "a\t\(image)\nb\tAAAA\n")
        // A malformed record is reported by id and the stream goes on (a Spark partition loses nothing else).
        let rows5 = r5.out.split(separator: "\n").map { $0.split(separator: "\t") }
        try #require(rows5.count == 2, "\(r5.out)")
        #expect(r5.status == 0 && rows5[0][0] == "a" && rows5[0].count == 3 && rows5[1][0] == "b" && rows5[1][1] == "ERROR", "\(r5.out)")
        #expect(r5.err.contains("1 malformed records left out: b"), "\(r5.err)")

        // A pool of another image size, and pseudo-labels made for another pool.
        let wrongPool = ImageSet(images: [UInt8](repeating: 1, count: 5 * 32 * 32 * 3), labels: [0, 1, 2, 3, 4], height: 32, width: 32,
                                 channels: 3, classNames: (0...9).map(String.init))
        try UnlabeledPool.write(wrongPool, to: "\(data)/wrong.pickle")
        let r6 = try tailkit(["train", "--data-dir", data, "--out", semi + "-x", "--unlabeled", "\(data)/wrong.pickle",
                              "--pseudo-labels", labels] + common)
        #expect(r6.status != 0 && r6.err.contains("32x32x3"), "\(r6.err)")
        let smallPool = ImageSet(images: [UInt8](repeating: 1, count: 5 * 28 * 28), labels: [0, 1, 2, 3, 4], height: 28, width: 28,
                                 channels: 1, classNames: (0...9).map(String.init))
        try UnlabeledPool.write(smallPool, to: "\(data)/small.pickle")
        let r7 = try tailkit(["train", "--data-dir", data, "--out", semi + "-y", "--unlabeled", "\(data)/small.pickle",
                              "--pseudo-labels", labels] + common)
        #expect(r7.status != 0 && r7.err.contains("another pool"), "\(r7.err)")
    }

    @Test func evalScoresACheckpointAndRefusesAnotherArchitecture() throws {
        let data = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-eval")
        defer { runs.remove() }
        let run = runs.file("run")
        #expect(try tailkit(["train", "--data-dir", data, "--out", run, "--pad32"] + common).status == 0)
        let r1 = try tailkit(["eval", "--checkpoint", "\(run)/best.ckpt", "--tau", "1"])
        #expect(r1.status == 0 && r1.out.contains("top-1") && r1.out.contains("few"), "\(r1.err)")
        let report = try JSONDecoder().decode(ClassificationReport.self,
                                              from: Data(contentsOf: URL(fileURLWithPath: "\(run)/best.eval.json")))
        #expect(report.samples == 50 && report.confusion.count == 10)
        let r2 = try tailkit(["eval", "--checkpoint", "\(run)/best.ckpt", "--arch", "resnet32"])
        #expect(r2.status != 0 && r2.err.contains("missing keys") && r2.err.contains("best.ckpt"), "\(r2.err)")
    }
}
