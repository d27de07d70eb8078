import Foundation
import Testing
import TestSupport

/// `tailkit train --stream` on an ImageNet-LT-style folder: the train list streamed from its files,
/// the best epoch by the val list, the final number on the test list with many/medium/few, then cRT
/// on the first stage's best checkpoint; broken files skipped with their line, or fatal with
/// --bad-images fail. ResNet-32 on 32-px crops keeps it to seconds in a debug build (ResNet-50's
/// 200 MB checkpoints take minutes there); batches of 7 never leave a batch of one for BatchNorm.
@Suite(.serialized) struct StreamedTrainingTests {
    private func tailkit(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let result = try TailKitExecutable.run(args)
        return (result.status, result.outText, result.err)
    }

    /// val and test lists over the good files: every class present in both.
    private func writeEvalLists(_ data: ImageNetLTFolder) throws {
        try data.folder.write("ImageNet_LT_val.txt", text: """
            train/n00/img0.JPEG 0
            train/n00/img1.JPEG 0
            train/n01/gray.JPEG 1
            train/n02/wide.JPEG 2

            """)
        try data.folder.write("ImageNet_LT_test.txt", text: """
            train/n00/img2.JPEG 0
            train/n00/img3.JPEG 0
            train/n00/img5.JPEG 0
            train/n01/cmyk.JPEG 1
            train/n01/alpha.JPEG 1
            train/n02/wide.JPEG 2

            """)
    }

    private let common = ["--dataset", "imagenet-lt", "--stream", "--crop-size", "32", "--arch", "resnet32", "--batch-size", "7",
                          "--workers", "2", "--threads", "2"]

    @Test func twoStagesOnStreamedListsReportTheTestList() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        try writeEvalLists(data)
        let stage1 = data.folder.file("runs/stage1")
        let r1 = try tailkit(["train", "--data-dir", data.root, "--epochs", "2", "--out", stage1] + common)
        #expect(r1.status == 0, "\(r1.out)\n\(r1.err)")
        // The two broken files are reported once each, with their list lines.
        #expect(r1.err.contains("\(ImageNetLTFolder.corruptPath) (line \(ImageNetLTFolder.corruptLine) of "), "\(r1.err)")
        #expect(r1.err.contains("\(ImageNetLTFolder.missingPath) (line \(ImageNetLTFolder.missingLine) of "), "\(r1.err)")
        #expect(r1.err.contains("streaming 13 training images at 32 px; best epoch by the 4-image val list, final number on the 6-image test list"), "\(r1.err)")
        #expect(r1.out.contains("test list, weights of the best val epoch"), "\(r1.out)")
        // Each epoch's numbers come from the val list and say so: console, log, report.
        #expect(r1.err.contains("| val top-1 ") && !r1.err.contains("| test top-1"), "\(r1.err)")
        let log = try String(contentsOfFile: stage1 + "/log.jsonl", encoding: .utf8)
        #expect(log.contains(#""eval_split":"val""#) && !log.contains(#""eval_split":"test""#), "\(log)")
        #expect(try String(contentsOfFile: stage1 + "/report.html", encoding: .utf8).contains("Evaluation on the val split"))
        let metrics = try testMetrics(stage1)
        for key in ["top1", "many", "medium", "few"] { #expect(metrics.scalars[key] != nil, "\(key) missing") }
        // Every test image was evaluated, against the training counts' groups (all classes few-shot here).
        #expect(metrics.matrices["confusion"]?.joined().reduce(0, +) == 6)
        #expect(metrics.vectors["train_counts"] == [7, 4, 2])

        let crt = data.folder.file("runs/crt")
        let r2 = try tailkit(["train", "--data-dir", data.root, "--stage", "crt", "--pretrained", stage1 + "/best.ckpt",
                              "--epochs", "1", "--resize-filter", "bicubic", "--out", crt] + common)
        #expect(r2.status == 0, "\(r2.out)\n\(r2.err)")
        #expect(try String(contentsOfFile: crt + "/config.yaml", encoding: .utf8).contains("resize-filter: bicubic"))
        #expect(r2.err.contains("pretrained: loaded"), "\(r2.err)")
        #expect(try testMetrics(crt).matrices["confusion"]?.joined().reduce(0, +) == 6)
    }

    @Test func badImagesFailNamesTheFileAndLine() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        try writeEvalLists(data)
        let r = try tailkit(["train", "--data-dir", data.root, "--epochs", "1", "--bad-images", "fail",
                             "--out", data.folder.file("runs/fail")] + common)
        #expect(r.status != 0)
        // The run ends with the failure itself as its error, not only a warning.
        #expect(r.err.contains("error: \(data.root)/train/n0"), "\(r.err)")
        #expect(r.err.contains("\(ImageNetLTFolder.corruptPath) (line \(ImageNetLTFolder.corruptLine) of ")
                || r.err.contains("\(ImageNetLTFolder.missingPath) (line \(ImageNetLTFolder.missingLine) of "), "\(r.err)")
    }

    struct Metrics: Decodable {
        var scalars: [String: Double]
        var vectors: [String: [Double]]
        var matrices: [String: [[Int]]]
    }

    private func testMetrics(_ run: String) throws -> Metrics {
        try JSONDecoder().decode(Metrics.self, from: Data(contentsOf: URL(fileURLWithPath: run + "/test_metrics.json")))
    }
}
