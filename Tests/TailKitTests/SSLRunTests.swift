import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch

/// `tailkit ssl` end to end on a tiny MNIST-format set: FixMatch + DASO killed with `kill -9` mid-run
/// and resumed ends with the same weights and task state (online model, DASO's queue and π̂, the
/// evaluation history) as an uninterrupted run, logs the evaluation's medians, pseudo-label
/// precision/recall and mask ratio; bad input is refused with the flag and the numbers.
@Suite(.serialized) struct SSLRunTests {
    private func arguments(_ algorithm: String, _ addOn: String, data: String, out: String) -> [String] {
        ["ssl", "--algorithm", algorithm, "--imbalance", addOn, "--dataset", "mnist", "--data-dir", data, "--arch", "resnet20",
         "--num-valid", "50", "--labeled-head", "12", "--unlabeled-head", "20", "--imb-labeled", "4", "--imb-unlabeled", "-2",
         "--batch-size", "4", "--mu", "2", "--steps", "12", "--eval-every", "3", "--threshold", "0.6",
         "--daso-pretrain-steps", "4", "--daso-dist-period", "2", "--workers", "1", "--threads", "1", "--out", out]
    }

    @Test func killNineThenResumeMatchesTheUninterruptedRun() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-resume")
        defer { runs.remove() }
        let (y, crashed) = try expectKillNineThenResumeMatches("fixmatch", "daso", data: data, runs: runs)
        for key in ["online.fc.weight", "daso.queue.banks", "daso.pl_counts", "ssl.history", "ssl.pl_quality"] {
            #expect(y.taskState.contains { $0.0 == key }, "task_state lacks \(key)")
        }
        let log = try RunLog.periods(in: "\(crashed)/log.jsonl")
        #expect(log.map(\.step) == [3, 6, 9, 12])
        let eval = try #require(log.last?.eval)
        for key in ["top1", "top1_la", "top1_median20", "top1_la_median20", "mask_ratio", "pl_accuracy", "many", "pl_precision_9", "pl_recall_0"] {
            #expect(eval.scalars[key] != nil, "evaluation lacks \(key)")
        }
        let precision = try #require(eval.vectors["pl_precision"]), recall = try #require(eval.vectors["pl_recall"])
        #expect(precision.count == 10 && recall.count == 10)
        // The median of the four evaluations is the mean of the middle two.
        let top1s = log.compactMap { $0.eval?.scalars["top1"] }.sorted()
        try #require(top1s.count == 4)
        #expect(Swift.abs((eval.scalars["top1_median20"] ?? -1) - (top1s[1] + top1s[2]) / 2) < 1e-9)
        #expect(log.last?.train["loss_align"] != nil && log.last?.train["loss_cons"] != nil)
        let yaml = try String(contentsOfFile: "\(crashed)/config.yaml", encoding: .utf8)
        #expect(yaml.contains("imbalance: daso") && yaml.contains("imb-unlabeled: -2.0") && yaml.contains("daso-pretrain-steps: 4"))
    }

    @Test func supervisedRunsWithoutUnlabeledDataAndEvaluatesTheRawModel() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-supervised")
        defer { runs.remove() }
        let out = runs.file("run")
        let p = try TailKitExecutable.launch(arguments("supervised", "la", data: data, out: out))
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        let last = try Checkpoint.read(from: "\(out)/last.ckpt")
        #expect(!last.taskState.contains { $0.0.hasPrefix("online.") })
        let eval = try #require(try RunLog.periods(in: "\(out)/log.jsonl").last?.eval)
        #expect(eval.scalars["top1_la"] != nil && eval.scalars["mask_ratio"] == nil)
    }

    /// Mean Teacher with logit adjustment: trains on two weak views against the EMA teacher, logs its
    /// consistency loss, keeps the online model in the task state and λ_u = 50 in config.yaml; it makes
    /// no pseudo-labels, so no mask ratio is logged.
    @Test func meanTeacherTrainsAgainstItsEMATeacher() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-meanteacher")
        defer { runs.remove() }
        let out = runs.file("run")
        let p = try TailKitExecutable.launch(arguments("meanteacher", "la", data: data, out: out))
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        let last = try Checkpoint.read(from: "\(out)/last.ckpt")
        #expect(last.step == 12)
        #expect(last.taskState.contains { $0.0 == "online.fc.weight" })
        let log = try RunLog.periods(in: "\(out)/log.jsonl")
        #expect(log.map(\.step) == [3, 6, 9, 12])
        let cons = try #require(log.last?.train["loss_cons"])
        #expect(cons.isFinite && cons > 0, "loss_cons \(cons)")
        #expect(log.last?.train["loss_cls"] != nil && log.last?.train["mask_ratio"] == nil)
        let eval = try #require(log.last?.eval)
        #expect(eval.scalars["top1"] != nil && eval.scalars["mask_ratio"] == nil)
        let yaml = try String(contentsOfFile: "\(out)/config.yaml", encoding: .utf8)
        #expect(yaml.contains("algorithm: meanteacher") && yaml.contains("unlabeled-weight: 50.0") && yaml.contains("ramp-ratio: 0.4"), "\(yaml)")
    }

    /// MixMatch: trains on two weak views mixed with the labeled images, logs both losses, keeps λ_u = 100
    /// and the 1.6% ramp in config.yaml; two runs with the same seed end with the same weights (the Mixup
    /// draws depend only on the seed and the step).
    @Test func mixMatchTrainsAndRepeatsWithTheSameSeed() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-mixmatch")
        defer { runs.remove() }
        let first = runs.file("first"), second = runs.file("second")
        for out in [first, second] {
            let p = try TailKitExecutable.launch(arguments("mixmatch", "none", data: data, out: out) + ["--steps", "6"])
            p.waitUntilExit()
            try #require(p.terminationStatus == 0)
        }
        let x = try Checkpoint.read(from: "\(first)/last.ckpt"), y = try Checkpoint.read(from: "\(second)/last.ckpt")
        #expect(x.step == 6)
        for ((name, t1), (_, t2)) in zip(x.stateDict, y.stateDict) {
            #expect(try (t1.to(DType.float64) - t2.to(DType.float64)).abs().max().item() < 1e-6, "\(name) differs")
        }
        let log = try RunLog.periods(in: "\(first)/log.jsonl")
        #expect(log.map(\.step) == [3, 6])
        let cls = try #require(log.last?.train["loss_cls"]), cons = try #require(log.last?.train["loss_cons"])
        #expect(cls.isFinite && cls > 0 && cons.isFinite && cons >= 0, "loss_cls \(cls), loss_cons \(cons)")
        let yaml = try String(contentsOfFile: "\(first)/config.yaml", encoding: .utf8)
        #expect(yaml.contains("algorithm: mixmatch") && yaml.contains("unlabeled-weight: 100.0") && yaml.contains("ramp-ratio: 0.016"), "\(yaml)")
    }

    /// MixMatch and Mean Teacher (with la), FixMatch with ABC and ReMixMatch with DASO and DARP killed with
    /// `kill -9` mid-run and resumed end with the weights and task state of the uninterrupted run (the
    /// Mixup draws, ReMixMatch's turns and ABC's Bernoulli masks come from the seed and the step; Mean
    /// Teacher's teacher is the EMA model in the checkpoint; ABC's heads, ReMixMatch's rotation head and
    /// alignment window are task state). CReST (on FixMatch and on ReMixMatch, whose rotation head is
    /// redrawn at the switch) is killed inside its second generation (steps 6-11;
    /// checkpoints every 2 steps), cRT inside its re-training stage (steps 6-11 after 6 base steps): the
    /// stage, CReST's additions and the stage's optimizer come back.
    @Test(arguments: zip(["mixmatch", "meanteacher", "fixmatch", "remixmatch", "remixmatch", "fixmatch", "remixmatch", "fixmatch"],
                         ["la", "la", "abc", "daso", "darp", "crest", "crest", "crt"]))
    func killNineThenResumeMatchesForTheConsistencyBases(_ algorithm: String, _ addOn: String) throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-resume-\(algorithm)-\(addOn)")
        defer { runs.remove() }
        switch addOn {
        case "crest":
            let (y, _) = try expectKillNineThenResumeMatches(algorithm, addOn, data: data, runs: runs, killAfter: 8,
                                                             extra: ["--eval-every", "2", "--crest-gen-steps", "6", "--crest-alpha", "100"])
            #expect(try y.taskState.first { $0.0 == "ssl.stage" }?.1.itemInt() == 1)
            #expect((y.taskState.first { $0.0 == "crest.added_index" }?.1.shape.first ?? 0) > 0)
            if algorithm == "remixmatch" {
                // The redrawn rotation head and ReMixMatch's window (CReST keeps none of its own) come back.
                for key in ["remixmatch.rotation.weight", "remixmatch.da.sums"] {
                    #expect(y.taskState.contains { $0.0 == key }, "task_state lacks \(key)")
                }
                #expect(!y.taskState.contains { $0.0.hasPrefix("crest.da") })
            }
        case "crt":
            let (y, _) = try expectKillNineThenResumeMatches(algorithm, addOn, data: data, runs: runs, killAfter: 8,
                                                             extra: ["--eval-every", "2", "--steps", "6", "--crt-steps", "6"])
            #expect(try y.taskState.first { $0.0 == "ssl.stage" }?.1.itemInt() == 1)
        default:
            let (y, _) = try expectKillNineThenResumeMatches(algorithm, addOn, data: data, runs: runs)
            if algorithm == "remixmatch" {
                for key in ["remixmatch.rotation.weight", "remixmatch.rotation.bias", "remixmatch.da.sums", "\(addOn).\(addOn == "daso" ? "queue.banks" : "table")"] {
                    #expect(y.taskState.contains { $0.0 == key }, "task_state lacks \(key)")
                }
            }
        }
    }

    /// ReMixMatch for 4 steps with its defaults: the four losses are logged and finite, config.yaml holds
    /// DASO's ReMixMatch settings (λ_u 1.5, ramp 0.016, μ 1, α 0.75, weights 0.5, alignment on).
    @Test func reMixMatchTrainsWithItsDefaults() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-remixmatch")
        defer { runs.remove() }
        let out = runs.file("run")
        var args = arguments("remixmatch", "none", data: data, out: out) + ["--steps", "4", "--eval-every", "2"]
        let mu = try #require(args.firstIndex(of: "--mu"))
        args.removeSubrange(mu...(mu + 1))
        let p = try TailKitExecutable.launch(args)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        let log = try RunLog.periods(in: "\(out)/log.jsonl")
        #expect(log.map(\.step) == [2, 4])
        for key in ["loss_cls", "loss_cons", "loss_kl", "loss_rotation"] {
            let v = try #require(log.last?.train[key], "no \(key)")
            #expect(v.isFinite && v >= 0, "\(key) \(v)")
        }
        let yaml = try String(contentsOfFile: "\(out)/config.yaml", encoding: .utf8)
        for line in ["algorithm: remixmatch", "unlabeled-weight: 1.5", "ramp-ratio: 0.016", "mu: 1.0", "mixup-alpha: 0.75",
                     "remixmatch-kl-weight: 0.5", "remixmatch-rot-weight: 0.5", "dist-align: true"] {
            #expect(yaml.contains(line), "config.yaml lacks \(line): \(yaml)")
        }
    }

    /// Runs `algorithm` + `addOn` for 12 steps straight, and again killed with SIGKILL mid-run then
    /// resumed (its checkpoint at step `killAfter` or later); expects both runs to end with the same
    /// weights and task state (names, order, values within 1e-5). `extra` flags override the defaults;
    /// the runs end at step 12. Returns the resumed run's checkpoint and folder.
    private func expectKillNineThenResumeMatches(_ algorithm: String, _ addOn: String, data: String, runs: TemporaryFolder,
                                                 killAfter: Int = 3, extra: [String] = []) throws -> (Checkpoint, String) {
        let straight = runs.file("straight"), crashed = runs.file("crashed")
        let a = try TailKitExecutable.launch(arguments(algorithm, addOn, data: data, out: straight) + extra)
        a.waitUntilExit()
        try #require(a.terminationStatus == 0)

        let b = try TailKitExecutable.launch(arguments(algorithm, addOn, data: data, out: crashed) + extra)
        let deadline = Date().addingTimeInterval(120)
        while ((try? Checkpoint.read(from: "\(crashed)/last.ckpt").step) ?? 0) < killAfter && b.isRunning && Date() < deadline { usleep(20_000) }
        usleep(30_000)
        kill(b.processIdentifier, SIGKILL)
        b.waitUntilExit()
        let killedAt = try #require(try Checkpoint.read(from: "\(crashed)/last.ckpt").step)
        #expect(killedAt >= killAfter && killedAt < 12, "the kill should land mid-run (checkpoint at step \(killedAt))")

        let c = try TailKitExecutable.launch(["ssl", "--resume", crashed, "--threads", "1"])
        c.waitUntilExit()
        try #require(c.terminationStatus == 0)

        let x = try Checkpoint.read(from: "\(straight)/last.ckpt"), y = try Checkpoint.read(from: "\(crashed)/last.ckpt")
        #expect(x.step == 12 && y.step == 12)
        try expectSameTensors("state_dict", x.stateDict, y.stateDict)
        try expectSameTensors("task_state", x.taskState, y.taskState)
        return (y, crashed)
    }

    /// FixMatch + ABC: the balanced head trains beside FixMatch (both ABC losses logged), it and its EMA
    /// copy are task state, and two runs with the same seed end with the same head (the Bernoulli masks
    /// depend only on the seed and the step).
    @Test func abcTrainsItsBalancedHeadBesideFixMatch() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-abc")
        defer { runs.remove() }
        let first = runs.file("first"), second = runs.file("second")
        for out in [first, second] {
            let p = try TailKitExecutable.launch(arguments("fixmatch", "abc", data: data, out: out) + ["--steps", "6"])
            p.waitUntilExit()
            try #require(p.terminationStatus == 0)
        }
        let x = try Checkpoint.read(from: "\(first)/last.ckpt"), y = try Checkpoint.read(from: "\(second)/last.ckpt")
        #expect(x.step == 6)
        let head = try #require(x.taskState.first { $0.0 == "abc.head.weight" }?.1)
        let emaHead = try #require(x.taskState.first { $0.0 == "abc.ema_head.weight" }?.1)
        #expect(head.shape == [10, 64] && emaHead.shape == [10, 64], "\(head.shape)")
        #expect(try (head - emaHead).abs().max().item() > 0, "the EMA head should lag the trained one")
        for key in ["abc.head.bias", "abc.ema_head.bias", "online.fc.weight"] {
            #expect(x.taskState.contains { $0.0 == key }, "task_state lacks \(key)")
        }
        for ((name, t1), (_, t2)) in zip(x.taskState, y.taskState) {
            #expect(try (t1.to(DType.float64) - t2.to(DType.float64)).abs().max().item() < 1e-6, "\(name) differs")
        }
        let log = try RunLog.periods(in: "\(first)/log.jsonl")
        #expect(log.map(\.step) == [3, 6])
        let cls = try #require(log.last?.train["loss_abc_cls"]), cons = try #require(log.last?.train["loss_abc_cons"])
        #expect(cls.isFinite && cls > 0 && cons.isFinite && cons >= 0, "loss_abc_cls \(cls), loss_abc_cons \(cons)")
        #expect(log.last?.train["loss_cons"] != nil && log.last?.eval?.scalars["top1"] != nil)
        let yaml = try String(contentsOfFile: "\(first)/config.yaml", encoding: .utf8)
        #expect(yaml.contains("imbalance: abc"), "\(yaml)")
    }

    /// Reversed unlabeled distribution: DARP estimates the unlabeled counts at each evaluation of its
    /// warm-up and sets its target at the warm-up's end (step 6 of 12), then refines; the target and its
    /// table are in the checkpoint.
    @Test func darpEstimatesTheUnlabeledDistributionThenRefines() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-darp")
        defer { runs.remove() }
        let out = runs.file("run")
        let p = try TailKitExecutable.run(arguments("fixmatch", "darp", data: data, out: out) + ["--darp-warmup", "0.5", "--darp-period", "2"])
        try #require(p.succeeded, "\(p.err)")
        // Two estimates (the evaluations at steps 3 and 6), then the target once, set at step 6.
        #expect(p.err.components(separatedBy: "DARP: unlabeled counts estimated").count - 1 == 2, "\(p.err)")
        #expect(p.err.components(separatedBy: "DARP: target unlabeled counts").count - 1 == 1, "\(p.err)")
        let last = try Checkpoint.read(from: "\(out)/last.ckpt")
        let target = try #require(last.taskState.first { $0.0 == "darp.target" }?.1).toArray(Double.self)
        let unlabeled = try #require(last.taskState.first { $0.0 == "darp.table" }?.1)
        #expect(target.count == 10)
        // Scaled to the unlabeled total.
        #expect(Swift.abs(target.reduce(0, +) - Double(unlabeled.shape[0])) < 1e-6)
        #expect(try last.taskState.first { $0.0 == "darp.calls" }?.1.itemInt() == 12)
        // The evaluations of the warm-up (steps 3 and 6) estimate; the one at step 6, the warm-up's last
        // call, also sets the target. Every evaluation logs the count of accepted estimates, which stays
        // fixed from then on.
        let log = try RunLog.periods(in: "\(out)/log.jsonl")
        try #require(log.count == 4)
        let accepted = log.map { $0.eval?.scalars["darp_estimates_accepted"] }
        #expect(accepted.allSatisfy { $0 != nil } && accepted[1] == accepted[2] && accepted[2] == accepted[3], "\(accepted)")
    }

    /// FixMatch + CReST+, 2 generations of 6 steps: the stderr line of generation 2 gives the images
    /// added per class; the checkpoint's additions, the labeled set and the evaluations' `crest_added_c`
    /// agree with it; CReST+'s temperature is 1 then t_min.
    @Test func crestLogsTheImagesItAddsPerClassAndGrowsTheLabeledSet() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-crest")
        defer { runs.remove() }
        let out = runs.file("run"), text = runs.file("stderr.txt")
        try #require(FileManager.default.createFile(atPath: text, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: text))
        let p = try TailKitExecutable.launch(arguments("fixmatch", "crest", data: data, out: out)
            + ["--crest-gen-steps", "6", "--crest-alpha", "100"], output: handle)
        p.waitUntilExit()
        try handle.close()
        let printed = try String(contentsOfFile: text, encoding: .utf8)
        try #require(p.terminationStatus == 0, "\(printed)")
        let line = try #require(printed.split(separator: "\n").first { $0.hasPrefix("CReST: generation 2 of 2 starts at step 6") }, "\(printed)")
        let perClass = try #require(line.components(separatedBy: "added per class ").last?.components(separatedBy: " pseudo-labeled").first)
        let logged = perClass.split(separator: " ").compactMap { Int($0) }
        try #require(logged.count == 10, "\(line)")
        #expect(logged.reduce(0, +) > 0)

        let last = try Checkpoint.read(from: "\(out)/last.ckpt")
        let labels = try #require(last.taskState.first { $0.0 == "crest.added_label" }?.1).toArray(Int.self)
        #expect((0..<10).map { c in labels.filter { $0 == c }.count } == logged)
        // The split's labeled counts, as the run's first line gives them, then the additions.
        let opening = try #require(printed.split(separator: "\n").first { $0.hasPrefix("fixmatch + crest: ") })
        let initial = (opening.components(separatedBy: " labeled (").last?.components(separatedBy: ")").first ?? "").split(separator: " ").compactMap { Int($0) }
        try #require(initial.count == 10, "\(opening)")
        #expect(line.contains("labeled set now \(initial.reduce(0, +) + logged.reduce(0, +)) (\(zip(initial, logged).map { String($0 + $1) }.joined(separator: " ")))"), "\(line)")
        let log = try RunLog.periods(in: "\(out)/log.jsonl")
        #expect(log.map(\.step) == [3, 6, 9, 12])
        let first = try #require(log.first?.eval?.scalars), later = try #require(log.last?.eval?.scalars)
        #expect(first["crest_generation"] == 1 && first["crest_added"] == 0 && first["crest_da_temperature"] == 1)
        #expect(later["crest_generation"] == 2 && later["crest_da_temperature"] == 0.5)
        #expect((0..<10).map { Int(later["crest_added_\($0)"] ?? -1) } == logged)
        let yaml = try String(contentsOfFile: "\(out)/config.yaml", encoding: .utf8)
        #expect(yaml.contains("crest-gen-steps: 6") && yaml.contains("crest-tmin: 0.5"), "\(yaml)")
    }

    @Test func badInputIsRefusedWithTheFlagAndTheNumbers() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 40, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-ssl-bad")
        defer { runs.remove() }
        func failure(_ replacing: [String: String]) throws -> String {
            var args = arguments("fixmatch", "daso", data: data, out: runs.file("run-\(UUID().uuidString)"))
            for (flag, value) in replacing {
                if let i = args.firstIndex(of: flag) { args[i + 1] = value } else { args += [flag, value] }
            }
            let log = runs.file("out-\(UUID().uuidString).txt")
            try #require(FileManager.default.createFile(atPath: log, contents: nil))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let p = try TailKitExecutable.launch(args, output: handle)
            p.waitUntilExit()
            try handle.close()
            #expect(p.terminationStatus != 0, "\(replacing) should fail")
            #expect(!FileManager.default.fileExists(atPath: args[args.count - 1] + "/last.ckpt"), "\(replacing) trained")
            return try String(contentsOfFile: log, encoding: .utf8)
        }
        #expect(try failure(["--algorithm": "mixmatchx"]).contains("valid algorithms: supervised, pseudolabel, meanteacher, mixmatch, remixmatch, fixmatch"))
        #expect(try failure(["--imbalance": "darpx"]).contains("none, daso, darp, abc, la"))
        let abc = try failure(["--algorithm": "pseudolabel", "--imbalance": "abc"])
        #expect(abc.contains("--imbalance abc cannot work with --algorithm pseudolabel") && abc.contains("bases it works with: fixmatch"), "\(abc)")
        let pair = try failure(["--algorithm": "supervised"])
        #expect(pair.contains("--imbalance daso cannot work with --algorithm supervised") && pair.contains("fixmatch"), "\(pair)")
        // 40 images per class less 5 held out for validation leave 35.
        let head = try failure(["--labeled-head": "36"])
        #expect(head.contains("--labeled-head 36 is larger than the data") && head.contains("35 training images"), "\(head)")
        let both = try failure(["--unlabeled-head": "30"])
        #expect(both.contains("--labeled-head 12 + --unlabeled-head 30 = 42") && both.contains("35"), "\(both)")
        #expect(try failure(["--daso-pretrain-steps": "1"]).contains("--daso-pretrain-steps 1 must be at least --daso-dist-period 2"))
        #expect(try failure(["--imb-unlabeled": "0.5"]).contains("--imb-unlabeled"))
        #expect(try failure(["--dataset": "svhn"]).contains("not supported"))
        let generations = try failure(["--imbalance": "crest", "--crest-gen-steps": "5"])
        #expect(generations.contains("--steps 12 must be a multiple of --crest-gen-steps 5"), "\(generations)")
        #expect(try failure(["--imbalance": "crt", "--crt-steps": "0"]).contains("--crt-steps 0 must be positive"))
        let crest = try failure(["--algorithm": "meanteacher", "--imbalance": "crest", "--crest-gen-steps": "6"])
        #expect(crest.contains("--imbalance crest cannot work with --algorithm meanteacher"), "\(crest)")
    }
}
