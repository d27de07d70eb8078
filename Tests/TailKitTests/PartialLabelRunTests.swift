import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch

/// `tailkit pll` end to end: each method killed with `kill -9` mid-run and resumed ends with the same
/// weights and task state (confidence table, RECORDS' feature mean, SoLar's prior and queue) as an
/// uninterrupted run; the run folder holds the candidate sets; bad input is refused with the flag
/// or the file named.
@Suite(.serialized) struct PartialLabelRunTests {
    private func launch(_ arguments: [String], output: FileHandle? = nil) throws -> Process {
        try TailKitExecutable.launch(arguments, output: output)
    }

    private func arguments(_ method: String, data: String, out: String) -> [String] {
        var args = ["pll", "--method", method, "--dataset", "mnist", "--data-dir", data, "--imb-factor", "0.5", "--arch", "resnet20",
                    "--batch-size", "16", "--partial-rate", "0.3", "--workers", "1", "--threads", "1", "--out", out]
        switch method {
        case "solar": args += ["--estimate-epochs", "2", "--epochs", "3", "--queue-batches", "2", "--warmup-epochs", "2"]
        case "records": args += ["--epochs", "4", "--mixup"]
        default: args += ["--epochs", "4"]
        }
        return args
    }

    /// The checkpoint file whose epochs show the kill landed mid-run: SoLar's first stage, else the run's.
    private func watched(_ method: String, _ out: String) -> String {
        method == "solar" ? "\(out)/estimate/last.ckpt" : "\(out)/last.ckpt"
    }

    @Test(arguments: ["corr", "records", "solar"])
    func killNineThenResumeMatchesTheUninterruptedRun(_ method: String) throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 12, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-pll-resume")
        defer { runs.remove() }
        let straight = runs.file("straight"), crashed = runs.file("crashed")
        let a = try launch(arguments(method, data: data, out: straight))
        a.waitUntilExit()
        try #require(a.terminationStatus == 0)

        let b = try launch(arguments(method, data: data, out: crashed))
        let deadline = Date().addingTimeInterval(120)
        while ((try? Checkpoint.read(from: watched(method, crashed)).epoch) ?? 0) < 1 && b.isRunning && Date() < deadline { usleep(20_000) }
        usleep(30_000)
        kill(b.processIdentifier, SIGKILL)
        b.waitUntilExit()
        let killedAt = try Checkpoint.read(from: watched(method, crashed)).epoch
        #expect(killedAt >= 1 && killedAt < (method == "solar" ? 2 : 4), "the kill should land mid-run (checkpoint at epoch \(killedAt))")

        let c = try launch(["pll", "--resume", crashed, "--threads", "1"])
        c.waitUntilExit()
        try #require(c.terminationStatus == 0)

        let files = method == "solar" ? ["estimate/last.ckpt", "last.ckpt"] : ["last.ckpt"]
        for file in files {
            let x = try Checkpoint.read(from: "\(straight)/\(file)"), y = try Checkpoint.read(from: "\(crashed)/\(file)")
            #expect(x.epoch == y.epoch && x.step == y.step, "\(file): epochs \(x.epoch) vs \(y.epoch)")
            try expectSameTensors("\(file) state_dict", x.stateDict, y.stateDict)
            try expectSameTensors("\(file) task_state", x.taskState, y.taskState)
            #expect(x.taskState.contains { $0.0 == "confidence" })
        }
        let final = try Checkpoint.read(from: "\(crashed)/last.ckpt")
        #expect(final.epoch == (method == "solar" ? 3 : 4))
        switch method {
        case "records": #expect(final.taskState.contains { $0.0 == "records.feature_mean" })
        case "solar": #expect(final.taskState.contains { $0.0 == "solar.prior" } && final.taskState.contains { $0.0 == "solar.queue" })
        default: break
        }
        // The sets the run trained with, identical in both folders, and readable back.
        let setsA = try String(contentsOfFile: "\(straight)/candidates.txt", encoding: .utf8)
        #expect(setsA == (try String(contentsOfFile: "\(crashed)/candidates.txt", encoding: .utf8)))
        let log = try RunLog.periods(in: "\(crashed)/log.jsonl")
        #expect(log.map(\.epoch) == Array(0..<(method == "solar" ? 3 : 4)))
        let eval = try #require(log.last?.eval)
        for key in ["top1", "many", "solar_many", "solar_few", "disambiguation", "plausible_set_size", "candidate_set_size"] {
            #expect(eval.scalars[key] != nil, "evaluation lacks \(key)")
        }
        #expect(log.last?.train["disambiguation"] != nil && log.last?.train["plausible_set_size"] != nil)
    }

    @Test func badInputIsRefusedWithTheFlagOrFileNamed() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 12, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-pll-bad")
        defer { runs.remove() }
        func failure(_ extra: [String]) throws -> String {
            let log = runs.file("out-\(UUID().uuidString).txt")
            try #require(FileManager.default.createFile(atPath: log, contents: nil))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let p = try launch(["pll", "--dataset", "mnist", "--data-dir", data, "--imb-factor", "0.5", "--arch", "resnet20", "--epochs", "1",
                                "--batch-size", "16", "--threads", "1", "--out", runs.file("run-\(UUID().uuidString)")] + extra, output: handle)
            p.waitUntilExit()
            try handle.close()
            #expect(p.terminationStatus != 0, "\(extra) should fail")
            return try String(contentsOfFile: log, encoding: .utf8)
        }
        for q in ["0", "1", "1.5", "-0.2"] {
            #expect(try failure(["--method", "corr", "--partial-rate", q]).contains("--partial-rate"))
        }
        #expect(try failure(["--method", "corr", "--partial-rate", "0.1", "--hierarchical"]).contains("CIFAR-100"))
        #expect(try failure(["--method", "solar", "--mixup"]).contains("--mixup"))
        #expect(try failure(["--method", "bogus"]).contains("corr, records, solar"))

        // Candidate files: the true labels of the tiny set's long-tailed subset decide what fits.
        let loaded = try LoadedDataset.load(.mnist, dataDir: data)
        var base = TrainConfig(task: .pll)
        base.imbFactor = 0.5
        let labels = try PartialLabelData.make(from: loaded, config: base, pll: PartialLabelConfig()).train.labels
        let good = labels.map { "\($0) \(($0 + 1) % 10)" }
        let cases: [(String, [String], String)] = [
            ("count", Array(good.dropLast()), "candidate sets for the \(labels.count) training samples"),
            ("range", ["\(labels[0]) 10"] + good.dropFirst(), "line 2: '10' is not a class in 0...9"),
            ("truth", ["\((labels[0] + 1) % 10)"] + good.dropFirst(), "lacks its true label \(labels[0])"),
            ("empty", [" ,"] + good.dropFirst(), "line 2: an empty candidate set"),
        ]
        for (name, rows, message) in cases {
            let file = runs.file("\(name).txt")
            try ("# header\n" + rows.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let text = try failure(["--method", "corr", "--candidates", file])
            #expect(text.contains(file) && text.contains(message), "\(name): \(text)")
        }
        // A fitting file is taken as it is and copied into the run folder.
        let file = runs.file("good.txt"), out = runs.file("own")
        try (good.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        var pll = PartialLabelConfig()
        pll.candidates = file
        let sets = try PartialLabelData.make(from: loaded, config: base, pll: pll).candidates
        #expect(sets.averageSetSize() == 2)
        let p = try launch(["pll", "--method", "corr", "--candidates", file, "--dataset", "mnist", "--data-dir", data, "--imb-factor", "0.5",
                            "--arch", "resnet20", "--epochs", "1", "--batch-size", "16", "--threads", "1", "--out", out])
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let copied = try CandidateSetFile.read("\(out)/candidates.txt", classes: 10, trueLabels: labels)
        #expect(copied == sets)
    }
}

/// `tailkit pll` on a user's class-per-folder data set: natural counts, the stratified split saved as
/// split.json and kept on resume even when images are added to the folder.
@Suite struct PartialLabelOwnDataTests {
    @Test func naturalCountsAndTheSavedSplitSurviveAResume() throws {
        let folder = try TemporaryFolder("tk-pll-own")
        defer { folder.remove() }
        try OwnDataFixture.writeTree(folder, base: "photos", names: ["ant", "bee", "cat"], counts: [12, 6, 3])
        let out = folder.file("run")
        let first = try OwnDataFixture.tailkit(["pll", "--method", "corr", "--dataset", "folder", "--data-dir", folder.file("photos"),
                                                "--image-size", "16", "--arch", "resnet20", "--epochs", "1", "--batch-size", "4",
                                                "--partial-rate", "0.3", "--threads", "1", "--workers", "1", "--out", out])
        #expect(first.status == 0, "\(first.err)")
        // Test share 0.2 per class: max(1, round(0.2 n)) = 2, 1, 1 images; no --imb-factor, so nothing else is dropped.
        let counts = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/counts.json"))) as? [String: Any]
        #expect(counts?["train_counts"] as? [Int] == [10, 5, 2])
        #expect(counts?["class_names"] as? [String] == ["ant", "bee", "cat"])
        let split = try OwnDataSplit.read(from: "\(out)/split.json")
        #expect(split.train.count == 17)
        #expect(split.test.count == 4)

        // An image added later is left out of the resumed run: the split stays as saved.
        try OwnDataFixture.writeImage(folder, "photos/cat/late.png", label: 2, seed: 99)
        let resumed = try OwnDataFixture.tailkit(["pll", "--resume", out, "--epochs", "2", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(try OwnDataSplit.read(from: "\(out)/split.json") == split)
        let lines = try String(contentsOfFile: "\(out)/candidates.txt", encoding: .utf8).split(separator: "\n")
        #expect(lines.filter { !$0.hasPrefix("#") }.count == 17)
    }
}
