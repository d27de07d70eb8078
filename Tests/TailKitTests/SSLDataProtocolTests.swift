import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch
import TorchNN

/// A folder in the published STL-10 binary layout (`stl10_binary/`: uint8 N x 3 x 96 x 96, each channel
/// plane column-major; labels 1...10): `perClass` train images per class, `test` images (image 0 the
/// reference image of `STL10Reference`), `unlabeled` images; pixels pseudo-random.
private func writeSTL10(_ folder: TemporaryFolder, perClass: Int, test: Int, unlabeled: Int) throws {
    var rng = SeededGenerator(seed: 7)
    func published(_ hwc: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: hwc.count)
        for n in 0..<(hwc.count / 27_648) { for c in 0..<3 { for h in 0..<96 { for w in 0..<96 {
            out[n * 27_648 + c * 9216 + w * 96 + h] = hwc[n * 27_648 + (h * 96 + w) * 3 + c]
        } } } }
        return out
    }
    func random(_ count: Int) -> [UInt8] { (0..<(count * 27_648)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
    let names = ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"]
    _ = try folder.write("stl10_binary/class_names.txt", text: names.joined(separator: "\n") + "\n")
    _ = try folder.write("stl10_binary/train_X.bin", published(random(10 * perClass)))
    _ = try folder.write("stl10_binary/train_y.bin", (0..<(10 * perClass)).map { UInt8($0 % 10 + 1) })
    _ = try folder.write("stl10_binary/test_X.bin", published(STL10Reference.image96() + random(test - 1)))
    _ = try folder.write("stl10_binary/test_y.bin", (0..<test).map { UInt8($0 % 10 + 1) })
    _ = try folder.write("stl10_binary/unlabeled_X.bin", published(random(unlabeled)))
}

/// STL-10 in `tailkit ssl` (the 100k-image unlabeled set with unknown labels, every view resized
/// 96 -> 32), DARP's shipped estimates (`--darp-estimate`), validation and test evaluated every period,
/// DASO's supervised schedule, and ABC checkpoints that evaluate as the run did.
@Suite(.serialized) struct SSLDataProtocolTests {
    // MARK: NumPy estimate files

    @Test func npyReaderReadsNumPysFloat32AndFloat64Vectors() throws {
        let f64 = try NumPyVectorFile.decode(STL10Reference.f64, name: "f64.npy")
        try #require(f64.count == 10)
        #expect(f64 == STL10Reference.revEstimate)
        let f32 = try NumPyVectorFile.decode(STL10Reference.f32, name: "f32.npy")
        try #require(f32.count == 10)
        #expect(f32 == STL10Reference.revEstimate.map { Double(Float($0)) })
    }

    /// The float32 file scaled to a 7443-image unlabeled set gives numpy's 7443 · e / Σe (which numpy
    /// computes in float32, hence the tolerance).
    @Test func darpEstimateIsScaledToTheUnlabeledTotal() throws {
        let folder = try TemporaryFolder("tk-darp-estimate")
        defer { folder.remove() }
        let path = try folder.write("cifar10_l_1500_100_ul_3000_100_rev_estim.npyz", STL10Reference.f32)
        let counts = try DARPEstimateFile.counts(path: path, classes: 10, unlabeledTotal: 7443)
        try #require(counts.count == STL10Reference.scaled7443.count)
        for (a, b) in zip(counts, STL10Reference.scaled7443) { #expect(Swift.abs(a - b) < 1e-3, "\(a) vs numpy \(b)") }
        #expect(Swift.abs(counts.reduce(0, +) - 7443) < 1e-9)
    }

    @Test func badEstimateFilesAreRefusedNamingTheFileAndTheProblem() throws {
        let folder = try TemporaryFolder("tk-darp-estimate-bad")
        defer { folder.remove() }
        let cases: [(String, [UInt8], String)] = [
            ("text.npyz", Array("929.7 516.5\n".utf8), "not a NumPy .npy file"),
            ("int.npyz", STL10Reference.int64, "dtype '<i8' is not float32 or float64"),
            ("twod.npyz", STL10Reference.twoD, "shape (2, 5) is not a 1-D array"),
            ("nine.npyz", STL10Reference.nine, "9 values; the data set has 10 classes"),
            ("negative.npyz", STL10Reference.negative, "value 0 is -1.0, a negative count"),
            ("nan.npyz", STL10Reference.nan, "value 0 is nan, not a finite number"),
            ("cut.npyz", Array(STL10Reference.f64.dropLast(3)), "needs 80 bytes; the file has 77"),
        ]
        for (name, content, problem) in cases {
            let path = try folder.write(name, content)
            do {
                _ = try DARPEstimateFile.counts(path: path, classes: 10, unlabeledTotal: 100)
                Issue.record("\(name) should be refused")
            } catch {
                let message = "\(error)"
                #expect(message.contains("--darp-estimate \(path)") && message.contains(problem), "\(name): \(message)")
            }
        }
        do {
            _ = try DARPEstimateFile.counts(path: folder.file("absent.npyz"), classes: 10, unlabeledTotal: 100)
            Issue.record("a missing file should be refused")
        } catch {
            #expect("\(error)".contains("absent.npyz") && "\(error)".contains("not found"), "\(error)")
        }
    }

    // MARK: supervised schedule

    /// DASO's supervised recipe by hand: warm-up from 0 over 2.5%, ×0.01 at 199999/250000 and 225000/250000.
    @Test func supervisedRecipeAtItsBoundaries() throws {
        func lr(_ s: WarmupMultiStepSchedule, _ step: Int, of total: Int) -> Double {
            s.learningRate(at: SchedulePosition(epoch: 0, step: step, stepsPerEpoch: 1, totalSteps: total))
        }
        let full = SupervisedMultiStepRecipe.schedule(baseLR: 0.1, steps: 250_000)
        #expect(full.warmupSteps == 6250 && full.milestones == [199_999, 225_000] && full.gamma == 0.01)
        let short = SupervisedMultiStepRecipe.schedule(baseLR: 0.1, steps: 1000)
        #expect(short.warmupSteps == 25 && short.milestones == [799, 900])
        let expected: [(Int, Double)] = [(0, 0), (5, 0.02), (24, 0.096), (25, 0.1), (798, 0.1), (799, 0.001), (899, 0.001),
                                         (900, 0.00001), (999, 0.00001)]
        for (step, value) in expected {
            #expect(Swift.abs(lr(short, step, of: 1000) - value) < 1e-12, "step \(step): \(lr(short, step, of: 1000)) vs \(value)")
        }
        #expect(Swift.abs(lr(full, 3125, of: 250_000) - 0.05) < 1e-12 && lr(full, 199_998, of: 250_000) == 0.1)
        #expect(Swift.abs(lr(full, 199_999, of: 250_000) - 0.001) < 1e-15)
        #expect(SSLConfig(algorithm: .supervised).lrSchedule == "multistep" && SSLConfig(algorithm: .fixmatch).lrSchedule == "constant")
    }

    // MARK: STL-10

    /// The split (validation, then the labeled imbalance), the unlabeled set as it is (labels -1),
    /// evaluation sets resized once to 32 px exactly as PIL does, and the training views: RandAugment
    /// after the resize by default, before it with --stl10-ra-first.
    @Test func stl10SplitsResizesAndOrdersTheViews() throws {
        let folder = try TemporaryFolder("tk-stl10-data")
        defer { folder.remove() }
        try writeSTL10(folder, perClass: 10, test: 10, unlabeled: 24)
        var base = TrainConfig(task: .ssl)
        (base.dataset, base.dataDir, base.batchSize) = ("stl10", folder.path, 4)
        var ssl = SSLConfig(algorithm: .fixmatch)
        (ssl.labeledHead, ssl.imbLabeled, ssl.numValid) = (8, 2, 20)
        let loaded = try LoadedDataset.load(.stl10, dataDir: folder.path)
        let data = try SSLData.make(from: loaded, config: SSLRunConfig(base: base, ssl: ssl))
        // int(8 · (1/2)^(r/9)), r = 0...9.
        #expect(data.labeled.classCounts() == [8, 7, 6, 6, 5, 5, 5, 4, 4, 4])
        #expect(data.unlabeled.count == 24 && data.unlabeled.labels.allSatisfy { $0 == -1 } && data.unlabeled.height == 96)
        #expect(!data.unlabeledLabelsKnown && data.resolution == 32)
        #expect(data.validation.count == 20 && data.validation.height == 32 && data.validation.classCounts() == Array(repeating: 2, count: 10))
        try #require(data.test.count == 10 && data.test.height == 32 && data.test.width == 32)
        let first = Array(data.test.image(0))
        try #require(first.count == STL10Reference.resized.count)
        #expect(first == STL10Reference.resized, "the 96 -> 32 resize differs from PIL's")
        #expect(data.normalization == .dasoCIFAR10)

        let late = try SSLBatchStream.unlabeledPipelines("fixmatch", data: data, raFirst: false)
        let early = try SSLBatchStream.unlabeledPipelines("fixmatch", data: data, raFirst: true)
        try #require(late.count == 2 && early.count == 2)
        #expect(late.map(\.name) == ["weak-reflect", "strong-after-resize"] && early.map(\.name) == ["weak-reflect", "strong"])
        for view in late + early {
            let size = view.outputSize(height: 96, width: 96)
            #expect(size.height == 32 && size.width == 32)
        }
        let order = { (p: AugmentPipeline) in p.steps.map { step -> String in
            if case .resize = step { return "resize" }
            if case .randAugment = step { return "ra" }
            return "other"
        }.filter { $0 != "other" } }
        #expect(order(late[1]) == ["resize", "ra"] && order(early[1]) == ["ra", "resize"])

        // The evaluator's resize (DARP's estimate on the 96-px unlabeled images, `tailkit eval`) scores as
        // the once-resized test set does, and unlike the 96-px images.
        Torch.manualSeed(3)
        let model = try Architecture.resnet20.make(numClasses: 10, inChannels: 3, normedClassifier: false)
        let evaluator = Evaluator(normalization: data.normalization, batchSize: 4)
        let resized = try evaluator.run(model, on: data.test, keepProbabilities: true)
        let onTheFly = try evaluator.run(model, on: loaded.test, keepProbabilities: true, outputSize: 32)
        let native = try evaluator.run(model, on: loaded.test, keepProbabilities: true)
        try #require(resized.probabilities.count == 10 && onTheFly.probabilities.count == 10 && native.probabilities.count == 10)
        #expect(resized.probabilities == onTheFly.probabilities)
        #expect(resized.probabilities != native.probabilities)

        // The supervised baseline does not read unlabeled_X.bin.
        try FileManager.default.removeItem(atPath: folder.file("stl10_binary/unlabeled_X.bin"))
        ssl.algorithm = .supervised
        let supervised = try SSLData.make(from: loaded, config: SSLRunConfig(base: base, ssl: ssl))
        #expect(supervised.unlabeled.count == 0 && supervised.labeled.count == data.labeled.count)
        ssl.algorithm = .fixmatch
        #expect(throws: DataError.self) { try SSLData.make(from: loaded, config: SSLRunConfig(base: base, ssl: ssl)) }
    }

    private func stl10Arguments(_ data: String, out: String) -> [String] {
        ["ssl", "--algorithm", "fixmatch", "--dataset", "stl10", "--data-dir", data, "--arch", "resnet20", "--labeled-head", "8",
         "--imb-labeled", "2", "--num-valid", "20", "--batch-size", "4", "--mu", "2", "--steps", "4", "--eval-every", "2",
         "--threshold", "0.5", "--workers", "1", "--threads", "1", "--out", out]
    }

    /// FixMatch + DARP on STL-10 with a shipped-format estimate: the target is the estimate scaled to the
    /// unlabeled total; validation and test are both evaluated; precision/recall are not logged; the
    /// unlabeled-split flags are refused. Without the file DARP estimates on the validation split.
    @Test func stl10TrainsWithADARPEstimateAndLogsNoPrecision() throws {
        let folder = try TemporaryFolder("tk-stl10-run")
        defer { folder.remove() }
        try writeSTL10(folder, perClass: 10, test: 10, unlabeled: 24)
        let estimate = try folder.write("stl10_estim.npyz", STL10Reference.f64)
        let out = folder.file("run")
        let run = try TailKitExecutable.run(stl10Arguments(folder.path, out: out)
            + ["--imbalance", "darp", "--darp-estimate", estimate, "--darp-warmup", "0.25", "--darp-period", "2"])
        try #require(run.succeeded, "\(run.err)")
        let last = try Checkpoint.read(from: "\(out)/last.ckpt")
        let target = try #require(last.taskState.first { $0.0 == "darp.target" }?.1).toArray(Double.self)
        let sum = STL10Reference.revEstimate.reduce(0, +)
        try #require(target.count == 10)
        for (t, e) in zip(target, STL10Reference.revEstimate) { #expect(Swift.abs(t - 24 * e / sum) < 1e-9) }
        #expect(last.taskState.first { $0.0 == "darp.table" }?.1.shape == [24, 10])
        let log = try RunLog.periods(in: "\(out)/log.jsonl")
        #expect(log.map(\.step) == [2, 4])
        let eval = try #require(log.last?.eval)
        #expect(log.last?.evalSplit == "val")
        for key in ["top1", "top1_median20", "test/top1", "test/top1_la", "test/top1_median20", "mask_ratio"] {
            #expect(eval.scalars[key] != nil, "evaluation lacks \(key)")
        }
        #expect(eval.scalars["pl_precision_0"] == nil && eval.vectors["pl_precision"] == nil && eval.scalars["pl_accuracy"] == nil)
        let counts = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/unlabeled_counts.json"))) as? [String: Any]
        #expect(counts?["unlabeled_total"] as? Int == 24 && counts?["unlabeled_counts"] == nil)
        let yaml = try String(contentsOfFile: "\(out)/config.yaml", encoding: .utf8)
        #expect(yaml.contains("stl10-ra-first: false") && yaml.contains("darp-estimate: \(estimate)") && !yaml.contains("unlabeled-head"), "\(yaml)")

        let own = try TailKitExecutable.run(stl10Arguments(folder.path, out: folder.file("own"))
            + ["--imbalance", "darp", "--darp-warmup", "0.25", "--darp-period", "2", "--stl10-ra-first"])
        try #require(own.succeeded, "\(own.err)")
        #expect(own.err.contains("DARP: unlabeled counts estimated"), "\(own.err)")
        let estimated = try #require(try Checkpoint.read(from: folder.file("own/last.ckpt")).taskState.first { $0.0 == "darp.target" }?.1)
        #expect(Swift.abs(try estimated.toArray(Double.self).reduce(0, +) - 24) < 1e-6)

        for flag in ["--unlabeled-head", "--imb-unlabeled"] {
            let refused = try TailKitExecutable.run(stl10Arguments(folder.path, out: folder.file("bad")) + [flag, "100"])
            #expect(!refused.succeeded && refused.err.contains("\(flag) does not apply to --dataset stl10"), "\(refused.err)")
        }
        let notSTL = try TailKitExecutable.run(["ssl", "--algorithm", "fixmatch", "--stl10-ra-first", "--out", folder.file("bad2")])
        #expect(!notSTL.succeeded && notSTL.err.contains("--stl10-ra-first applies only to --dataset stl10"), "\(notSTL.err)")
    }

    // MARK: evaluation protocol, ABC checkpoints, supervised defaults

    private func mnistArguments(_ algorithm: String, _ addOn: String, data: String, out: String) -> [String] {
        ["ssl", "--algorithm", algorithm, "--imbalance", addOn, "--dataset", "mnist", "--data-dir", data, "--arch", "resnet20",
         "--labeled-head", "12", "--unlabeled-head", "20", "--imb-labeled", "4", "--imb-unlabeled", "-2",
         "--batch-size", "4", "--mu", "2", "--steps", "6", "--eval-every", "2", "--threshold", "0.6",
         "--workers", "1", "--threads", "1", "--out", out]
    }

    /// FixMatch + ABC with a validation split: val and test are evaluated every period (the test medians
    /// over the test series), the checkpoint's state_dict holds the EMA ABC head in the classifier's
    /// place, and `tailkit eval` of it gives the run's last test top-1.
    @Test func abcCheckpointEvaluatesAsTheRunAndBothSplitsAreLogged() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 3)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-abc-eval")
        defer { runs.remove() }
        let out = runs.file("run")
        let run = try TailKitExecutable.run(mnistArguments("fixmatch", "abc", data: data, out: out) + ["--num-valid", "50"])
        try #require(run.succeeded, "\(run.err)")
        let log = try RunLog.periods(in: "\(out)/log.jsonl")
        try #require(log.count == 3)
        #expect(log.allSatisfy { $0.evalSplit == "val" })
        let tests = log.compactMap { $0.eval?.scalars["test/top1"] }, vals = log.compactMap { $0.eval?.scalars["top1"] }
        try #require(tests.count == 3 && vals.count == 3)
        let eval = try #require(log.last?.eval)
        #expect(eval.scalars["test/top1_median20"] == tests.sorted()[1] && eval.scalars["top1_median20"] == vals.sorted()[1])
        #expect(run.outText.contains("val top-1") && run.outText.contains("test top-1"), "\(run.outText)")
        // TensorBoard keeps the test numbers' own split: test/top1 beside val/top1, not val/test/top1.
        let json = try PythonTorchRunner.run("""
        import glob, json
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        tags = set()
        for f in glob.glob('\(out)/tb/events.out.tfevents.*'):
            ea = EventAccumulator(f, size_guidance={'scalars': 0})
            ea.Reload()
            tags |= set(ea.Tags()['scalars'])
        print(json.dumps({'tags': sorted(tags)}))
        """)
        let tags = try #require(json["tags"] as? [String])
        for tag in ["val/top1", "val/top1_median20", "test/top1", "test/top1_median20", "test/top1_la_median20"] {
            #expect(tags.contains(tag), "TensorBoard lacks \(tag): \(tags)")
        }
        #expect(!tags.contains { $0.hasPrefix("val/test/") }, "\(tags)")

        let ckpt = try Checkpoint.read(from: "\(out)/last.ckpt")
        let fc = try #require(ckpt.stateDict.first { $0.0 == "fc.weight" }?.1)
        let emaHead = try #require(ckpt.taskState.first { $0.0 == "abc.ema_head.weight" }?.1)
        let own = try #require(ckpt.taskState.first { $0.0 == "evaluated_classifier.weight" }?.1)
        #expect(try (fc - emaHead).abs().max().item() == 0, "state_dict's fc should be the EMA ABC head")
        #expect(try (fc - own).abs().max().item() > 0, "the EMA model's own classifier should be kept apart")

        let scored = try TailKitExecutable.run(["eval", "--checkpoint", "\(out)/last.ckpt", "--threads", "1"])
        try #require(scored.succeeded, "\(scored.err)")
        let report = try JSONDecoder().decode(ClassificationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(out)/last.eval.json")))
        let lastTest = try #require(eval.scalars["test/top1"])
        #expect(Swift.abs(report.top1 - lastTest) < 1e-9, "tailkit eval \(report.top1) vs the run's \(lastTest)")
    }

    /// `supervised` defaults to DASO's supervised config: lr 0.1 and the multi-step recipe (for 12 steps:
    /// no warm-up, ×0.01 at steps 9 and 10); with --num-valid 0 only the test set is evaluated.
    @Test func supervisedDefaultsToTheMultiStepRecipe() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-supervised-recipe")
        defer { runs.remove() }
        let out = runs.file("run")
        let run = try TailKitExecutable.run(mnistArguments("supervised", "none", data: data, out: out)
            + ["--num-valid", "0", "--steps", "12", "--eval-every", "3"])
        try #require(run.succeeded, "\(run.err)")
        let yaml = try String(contentsOfFile: "\(out)/config.yaml", encoding: .utf8)
        #expect(yaml.contains("lr-schedule: multistep") && yaml.contains("lr: 0.1\n"), "\(yaml)")
        let log = try RunLog.periods(in: "\(out)/log.jsonl")
        try #require(log.count == 4)
        #expect(log.allSatisfy { $0.evalSplit == "test" } && log.last?.eval?.scalars["test/top1"] == nil)
        #expect(Swift.abs(log[0].lr - 0.1) < 1e-12 && Swift.abs(log[3].lr - 1e-5) < 1e-15, "\(log.map(\.lr))")
    }
}
