import Foundation
import Testing
import TestSupport
@testable import TailKit
import TailData
import Torch

/// `tailkit predict` and the own-data commands end to end through the built program: class names
/// from the folders through train, the checkpoint and predict; predict's probabilities against
/// the evaluation path's softmax; what predict refuses; `data export` and `data stats`.
@Suite(.serialized) struct PredictTests {
    private let names = ["ant", "bee", "cat"]

    /// One JSON line of predict: path and class -> probability.
    private func parseJSONLines(_ text: String) throws -> [String: [String: Double]] {
        var out: [String: [String: Double]] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let path = try #require(object["path"] as? String)
            let top = try #require(object["top"] as? [[String: Any]])
            out[path] = Dictionary(uniqueKeysWithValues: try top.map { (try #require($0["class"] as? String), try #require($0["probability"] as? Double)) })
        }
        return out
    }

    @Test func classNamesFlowFromFoldersThroughTrainingToPredictions() throws {
        let folder = try TemporaryFolder("tk-predict")
        defer { folder.remove() }
        try OwnDataFixture.writeTree(folder, base: "photos", names: names, counts: [12, 6, 3])
        let photos = folder.file("photos"), run = folder.file("run")
        let train = ["train", "--dataset", "folder", "--data-dir", photos, "--image-size", "16", "--epochs", "2", "--batch-size", "8",
                     "--workers", "0", "--threads", "1", "--lr", "0.05", "--rule", "drw"]
        let first = try OwnDataFixture.tailkit(train + ["--out", run])
        try #require(first.status == 0, "\(first.err)")
        #expect(names.allSatisfy { first.out.contains($0) })
        #expect(first.err.contains("ignored 2 files that are not JPEG or PNG images"))
        let config = try String(contentsOfFile: run + "/config.yaml", encoding: .utf8)
        #expect(config.contains("dataset: folder") && config.contains("imb-factor: 1.0") && config.contains("test-fraction: 0.2"))

        // A repeated run splits the same way; a second stage keeps its first stage's split.
        let again = try OwnDataFixture.tailkit(train + ["--out", folder.file("again")])
        try #require(again.status == 0, "\(again.err)")
        let split = try String(contentsOfFile: run + "/split.json", encoding: .utf8)
        #expect(try String(contentsOfFile: folder.file("again/split.json"), encoding: .utf8) == split)
        let crt = try OwnDataFixture.tailkit(["train", "--stage", "crt", "--pretrained", run + "/best.ckpt", "--dataset", "folder", "--data-dir", photos,
                                              "--image-size", "16", "--epochs", "1", "--batch-size", "8", "--workers", "0", "--threads", "1",
                                              "--out", folder.file("crt")])
        try #require(crt.status == 0, "\(crt.err)")
        #expect(try String(contentsOfFile: folder.file("crt/split.json"), encoding: .utf8) == split)

        // The checkpoint records the class names, normalisation and input size.
        let ckpt = try Checkpoint.read(from: run + "/best.ckpt")
        let input = try #require(ckpt.modelInput)
        let data = try LoadedDataset.load(for: try ckpt.trainConfig(), splitFile: run + "/split.json")
        #expect(input == ModelInput(classNames: names, normalization: data.normalization, height: 16, width: 16, channels: 3, resizes: true))
        #expect(data.test.count == 4 && data.test.classCounts() == [2, 1, 1])

        // predict on the test split's files equals the evaluation path's softmax on the same images.
        let saved = try OwnDataSplit.read(from: run + "/split.json")
        try #require(saved.test.count == data.test.count)
        let testFiles = saved.test.map { photos + "/" + $0 }
        let predicted = try OwnDataFixture.tailkit(["predict", "--checkpoint", run + "/best.ckpt", "--format", "jsonl", "--top-k", "3",
                                                    "--threads", "1"] + testFiles)
        try #require(predicted.status == 0, "\(predicted.err)")
        let byPath = try parseJSONLines(predicted.out)
        try #require(byPath.count == testFiles.count)
        let model = try ckpt.restoredModel(config: try ckpt.trainConfig(), data: data, source: run + "/best.ckpt")
        let eval = try Evaluator(normalization: data.normalization).run(model, on: data.test, keepProbabilities: true)
        try #require(eval.probabilities.count == testFiles.count)
        for (i, file) in testFiles.enumerated() {
            let row = try #require(byPath[file])
            try #require(row.count == 3)
            for (c, name) in names.enumerated() { #expect(abs(try #require(row[name]) - eval.probabilities[i][c]) < 2e-6, "\(file) \(name)") }
            #expect(row.max { $0.value < $1.value }?.key == names[eval.topK[i][0]])
        }

        // --tau 1: softmax(z - log prior) = p_c / pi_c renormalised.
        let tau = try OwnDataFixture.tailkit(["predict", "--checkpoint", run + "/best.ckpt", "--format", "jsonl", "--top-k", "3", "--tau", "1",
                                              "--threads", "1", testFiles[0]])
        try #require(tau.status == 0, "\(tau.err)")
        let adjusted = try #require(try parseJSONLines(tau.out)[testFiles[0]])
        let counts = ckpt.classCounts.map(Double.init)
        let unnormalised = names.indices.map { eval.probabilities[0][$0] / counts[$0] }
        for (c, name) in names.enumerated() {
            #expect(abs(try #require(adjusted[name]) - unnormalised[c] / unnormalised.reduce(0, +)) < 1e-5)
        }

        // CSV from a folder argument: a header and one row per image, top class first.
        let csv = try OwnDataFixture.tailkit(["predict", "--checkpoint", run + "/best.ckpt", "--top-k", "2", "--threads", "1", photos + "/cat"])
        try #require(csv.status == 0, "\(csv.err)")
        let lines = csv.out.split(separator: "\n")
        try #require(lines.count == 4)
        #expect(lines[0] == "path,class_1,probability_1,class_2,probability_2")
        #expect(lines[1].hasPrefix(photos + "/cat/img00.png,"))

        // eval and pseudo-label on an unlabeled folder use the class names too.
        let evalRun = try OwnDataFixture.tailkit(["eval", "--checkpoint", run + "/best.ckpt", "--threads", "1"])
        try #require(evalRun.status == 0, "\(evalRun.err)")
        #expect(names.allSatisfy { evalRun.out.contains($0) } && evalRun.out.contains("(4 images)"))
        for i in 0..<4 { try OwnDataFixture.writeImage(folder, "pool/sub/u\(i).jpg", label: i % 3, seed: i) }
        let pl = try OwnDataFixture.tailkit(["pseudo-label", "--checkpoint", run + "/best.ckpt", "--pool", folder.file("pool"),
                                             "--out", folder.file("pl.pickle"), "--threads", "1"])
        try #require(pl.status == 0, "\(pl.err)")
        let plLines = try String(contentsOfFile: folder.file("pl.pickle.jsonl"), encoding: .utf8).split(separator: "\n")
        try #require(plLines.count == 4)
        #expect(plLines[0].contains("\"path\":\"sub/u0.jpg\"") && names.contains { plLines[0].contains("\"class\":\"\($0)\"") })
    }

    @Test func selfTrainingTakesAFolderOfUnlabeledImagesWithTheirPseudoLabels() throws {
        let folder = try TemporaryFolder("tk-predict")
        defer { folder.remove() }
        try OwnDataFixture.writeTree(folder, base: "photos", names: names, counts: [10, 5, 2])
        // 12 unlabeled images, pseudo-labeled 4 per class (as `tailkit pseudo-label --pool` would write them, in path order).
        for i in 0..<12 { try OwnDataFixture.writeImage(folder, "pool/u\(String(format: "%02d", i)).png", label: i % 3, seed: i) }
        try PseudoLabelFile.write(PseudoLabels(targets: (0..<12).map { $0 % 3 }, predictionModel: "test"), to: folder.file("pl.pickle"))
        let run = try OwnDataFixture.tailkit(["train", "--dataset", "folder", "--data-dir", folder.file("photos"), "--image-size", "12",
                                              "--epochs", "1", "--batch-size", "8", "--workers", "0", "--threads", "1",
                                              "--unlabeled", folder.file("pool"), "--pseudo-labels", folder.file("pl.pickle"),
                                              "--imb-factor-unlabel", "1", "--unlabeled-ratio", "1", "--out", folder.file("run")])
        try #require(run.status == 0, "\(run.err)")
        // Labeled: 8 + 4 + 1 after the test split; D_U@1x at rho_U = 1: int(4 * 13/12) = 4 per class.
        #expect(run.err.contains("self-training: 12 pseudo-labeled images join 13 labeled ones"), "\(run.err)")
    }

    /// A Fashion-MNIST-shaped checkpoint (28x28, 1 channel, one fixed size), untrained.
    private func writeFixedSizeCheckpoint(_ path: String, withInput: Bool) throws {
        var config = TrainConfig()
        config.dataset = "fmnist"
        config.epochs = 1
        config.batchSize = 10
        let set = ImageSet(images: [UInt8](repeating: 0, count: 10 * 28 * 28), labels: Array(0..<10), height: 28, width: 28, channels: 1,
                           classNames: FashionMNIST.classNames)
        let task = try SupervisedTask(config: config, train: set, test: set, normalization: .fashionMNIST)
        var checkpoint = try task.makeTrainer().checkpoint()
        #expect(checkpoint.modelInput?.resizes == false && checkpoint.modelInput?.channels == 1)
        if !withInput { checkpoint.modelInput = nil }
        try checkpoint.write(to: path)
    }

    @Test func predictRefusesImagesTheModelCannotTakeAndWritesNothingHalfway() throws {
        let folder = try TemporaryFolder("tk-predict")
        defer { folder.remove() }
        let ckpt = folder.file("fixed.ckpt")
        try writeFixedSizeCheckpoint(ckpt, withInput: true)
        let gray = (0..<(28 * 28)).map { UInt8($0 % 251) }
        let good = try folder.write("good.png", try ImageFileEncoder.png(gray, width: 28, height: 28, channels: 1))
        let colour = try folder.write("colour.png", try ImageFileEncoder.png(OwnDataFixture.pixels(label: 0, seed: 0, side: 28), width: 28, height: 28, channels: 3))
        let big = try folder.write("big.png", try ImageFileEncoder.png([UInt8](repeating: 90, count: 30 * 30), width: 30, height: 30, channels: 1))
        let whole = try ImageFileEncoder.jpeg(gray, width: 28, height: 28, channels: 1)
        let truncated = try folder.write("truncated.jpg", Array(whole.prefix(whole.count / 2)))
        let out = folder.file("out.csv")
        func predict(_ images: [String], _ extra: [String] = []) throws -> OwnDataFixture.Output {
            try OwnDataFixture.tailkit(["predict", "--checkpoint", ckpt, "--out", out, "--threads", "1"] + extra + images)
        }

        let ok = try predict([good])
        try #require(ok.status == 0, "\(ok.err)")
        let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        try #require(rows.count == 2)
        #expect(FashionMNIST.classNames.contains(String(rows[1].split(separator: ",")[1])))
        try FileManager.default.removeItem(atPath: out)

        let cases: [(String, String)] = [(colour, "is a colour image; this model was trained on grayscale"),
                                         (big, "is 30x30 pixels; this model takes 28x28 images"),
                                         (truncated, "cannot decode")]
        for (image, message) in cases {
            let run = try predict([good, image])
            #expect(run.status != 0)
            #expect(run.err.contains("error: \(image): ") && run.err.contains(message), "\(run.err)")
            #expect(!FileManager.default.fileExists(atPath: out), "a failed run left \(out)")
        }
        let resized = try predict([big], ["--resize"])
        #expect(resized.status == 0, "\(resized.err)")
        let skipping = try predict([good, truncated, colour], ["--skip-bad-images"])
        try #require(skipping.status == 0, "\(skipping.err)")
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == 2)
        #expect(skipping.err.contains("skipped \(truncated)") && skipping.err.contains("skipped \(colour)"))

        // A checkpoint from before the records: class names, size and normalisation from its data set.
        let old = folder.file("old.ckpt")
        try writeFixedSizeCheckpoint(old, withInput: false)
        #expect(try Checkpoint.read(from: old).modelInput == nil)
        let fallback = try OwnDataFixture.tailkit(["predict", "--checkpoint", old, "--format", "jsonl", "--top-k", "10", "--threads", "1", good])
        try #require(fallback.status == 0, "\(fallback.err)")
        let top = try #require(try parseJSONLines(fallback.out)[good])
        #expect(Set(top.keys) == Set(FashionMNIST.classNames))
        #expect(abs(top.values.reduce(0, +) - 1) < 1e-4)
    }

    @Test func exportWritesAClassFolderTreeThatTheFolderDataSetReadsBack() throws {
        let mnist = try TinyDataset.writeMNISTStyle(trainPerClass: 20, testPerClass: 2)
        defer { TemporaryFolder.remove(mnist) }
        let folder = try TemporaryFolder("tk-export")
        defer { folder.remove() }
        let tree = folder.file("digits")
        let export = try OwnDataFixture.tailkit(["data", "export", "mnist", "--data-dir", mnist, "--imb-factor", "0.1", "--to", tree])
        try #require(export.status == 0, "\(export.err)")
        let source = try LoadedDataset.load(.mnist, dataDir: mnist)
        let lt = try source.longTailed(imbFactor: 0.1, imbType: "exp", seed: 0)
        let back = try OwnDataset.load(.folder, dataDir: tree, options: OwnDataOptions(imageSize: 28))
        #expect(back.ownSplit == nil)
        #expect(back.train.classNames == MNIST.classNames && back.train.classCounts() == lt.counts && back.test.count == 20)
        // Pixels survive: gray PNG decoded to RGB repeats the gray value.
        let first = lt.indices[0]
        let png = try DecodedImage.decodeFile(tree + "/train/\(lt.set.labels[0])/" + String(format: "%05d.png", first))
        try #require(png.pixels.count == 28 * 28 * 3)
        #expect(stride(from: 0, to: png.pixels.count, by: 3).map { png.pixels[$0] } == Array(source.train.image(first)))
        // Never over an existing folder, and nothing left behind.
        let again = try OwnDataFixture.tailkit(["data", "export", "mnist", "--data-dir", mnist, "--to", tree])
        #expect(again.status != 0 && again.err.contains("\(tree)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["digits"])

        let stats = try OwnDataFixture.tailkit(["data", "stats", "--dataset", "folder", "--data-dir", tree, "--image-size", "28"])
        try #require(stats.status == 0, "\(stats.err)")
        #expect(stats.out.contains("natural counts") && stats.out.contains("\(lt.set.count) training images"))
        #expect(stats.out.contains("max/min = \(lt.counts.max()! / lt.counts.min()!)"))
    }
}
