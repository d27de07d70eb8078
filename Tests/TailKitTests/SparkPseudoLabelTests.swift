import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport

/// scripts/spark_pseudo_label.py on real Spark (PySpark's local[2] mode): a generated pool of 20,000 records,
/// two of them malformed, piped through `tailkit pseudo-label --stdin` by RDD.pipe; the per-class
/// top-confidence set it writes equals the one `tailkit pseudo-label --stdin --select-out` writes in one
/// process, the malformed records are named by id and every other record is labeled.
@Suite(.serialized) struct SparkPseudoLabelTests {
    static let malformed: [Int: String] = [5000: "not*base64", 15001: Data(count: 10).base64EncodedString()]

    /// 20,000 records "rNNNNN<TAB>BASE64" of 28x28x1 images in TinyDataset's style (class c: a stripe at
    /// columns 3c ..< 3c+3, of a random brightness, so the model's confidence varies).
    private func writePool(to path: String) throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var text = ""
        text.reserveCapacity(21_000_000)
        for i in 0..<20_000 {
            let id = String(format: "r%05d", i)
            if let bad = Self.malformed[i] { text += "\(id)\t\(bad)\n"; continue }
            let c = next(10), level = 60 + next(161)
            let image = (0..<(28 * 28)).map { p in UInt8(p % 28 / 3 == c ? level : next(61)) }
            text += "\(id)\t\(Data(image).base64EncodedString())\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func sparkLocalModeEqualsOneProcessAndNamesMalformedRecords() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 8, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-spark")
        defer { runs.remove() }
        let run = runs.file("run"), pool = runs.file("pool.tsv")
        let train = try TailKitExecutable.launch(["train", "--dataset", "mnist", "--data-dir", data, "--imb-factor", "1", "--arch", "resnet20",
                                                  "--epochs", "3", "--lr", "0.05", "--batch-size", "20", "--augment", "none", "--workers", "1",
                                                  "--threads", "1", "--out", run])
        train.waitUntilExit()
        try #require(train.terminationStatus == 0)
        try writePool(to: pool)
        let checkpoint = "\(run)/last.ckpt"
        let selection = ["--unlabeled-total", "3000", "--imb-factor-unlabel", "0.1"]

        // One process, the records on standard input.
        let single = runs.file("single.pickle"), singleLog = runs.file("single.txt")
        try #require(FileManager.default.createFile(atPath: singleLog, contents: nil))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
        p.arguments = ["pseudo-label", "--stdin", "--checkpoint", checkpoint, "--select-out", single, "--threads", "1"] + selection
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: pool))
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: singleLog))
        p.standardOutput = log
        p.standardError = log
        try p.run()
        p.waitUntilExit()
        try log.close()
        let singleText = try String(contentsOfFile: singleLog, encoding: .utf8)
        try #require(p.terminationStatus == 0, "\(singleText)")
        #expect(singleText.contains("2 malformed records left out: r05000, r15001"), "\(singleText)")

        // Spark, local[2], two partitions piped through tailkit.
        let spark = runs.file("spark.pickle")
        let driver = """
        import runpy, sys
        sys.argv = ["spark_pseudo_label.py"] + sys.argv[1:]
        runpy.run_path("\(PySpark.repositoryRoot)/scripts/spark_pseudo_label.py", run_name="__main__")
        """
        let out = try TestPython.run(driver, arguments: ["--master", "local[2]", "--partitions", "2", "--tailkit", try TailKitExecutable.path(),
                                                         "--checkpoint", checkpoint, "--records", pool, "--out", spark] + selection,
                                     extraPath: [try PySpark.path()])
        let summary = String(decoding: out, as: UTF8.self)
        #expect(summary.contains("labeled 19998 records"), "\(summary)")
        let errors = try String(contentsOfFile: spark + ".errors.tsv", encoding: .utf8).split(separator: "\n")
        try #require(errors.count == 2, "\(errors)")
        #expect(errors.map { $0.split(separator: "\t")[0] } == ["r05000", "r15001"])

        let classes = (0..<10).map(String.init)
        let a = try UnlabeledPool.read(path: single, classNames: classes), b = try UnlabeledPool.read(path: spark, classNames: classes)
        let quotas = try TopConfidenceSelection.quotas(total: 3000, classes: 10, unlabeledImbFactor: 0.1)
        try #require(a.count == b.count, "\(a.count) vs \(b.count) selected")
        #expect(a.count <= quotas.reduce(0, +) && Set(a.labels).count >= 2, "\(a.count) images of classes \(Set(a.labels).sorted())")
        #expect(a.labels == b.labels)
        #expect(a.images == b.images)
        #expect((a.height, a.width, a.channels) == (28, 28, 1))
    }

    @Test func quotasFollowTheUnlabeledShape() throws {
        let q = try TopConfidenceSelection.quotas(total: 3000, classes: 10, unlabeledImbFactor: 0.1)
        try #require(q.count == 10)
        // floor(3000/10) * 0.1^(c/9), rescaled to 3000 and truncated.
        let shaped = (0..<10).map { Int(300 * pow(0.1, Double($0) / 9)) }
        #expect(q == shaped.map { Int(Double($0) * 3000 / Double(shaped.reduce(0, +))) })
        let p = [("b", 0, 0.9), ("a", 0, 0.9), ("c", 0, 0.95), ("d", 1, 0.2), ("e", 2, 0.99)]
            .map { TopConfidenceSelection.Prediction(id: $0.0, label: $0.1, confidence: $0.2) }
        #expect(TopConfidenceSelection.select(p, quotas: [2, 5, 0]) == [2, 1, 3])
        #expect(throws: TailKitError.self) { try TopConfidenceSelection.quotas(total: 0, classes: 10, unlabeledImbFactor: 0.1) }
    }
}
