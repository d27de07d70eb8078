import Foundation
import Testing
@testable import TailKit
import TestSupport
import Torch

/// Rotation and MoCo pre-training run on the training engine: `kill -9` mid-run, then
/// `tailkit pretrain --resume`, ends with the same weights and task state (MoCo's key encoder
/// and queue) as an uninterrupted run; both write TensorBoard events, log.jsonl and report.html.
@Suite(.serialized) struct PretrainResumeTests {
    private func launch(_ arguments: [String]) throws -> Process { try TailKitExecutable.launch(arguments) }

    /// Epochs in the run's last checkpoint (0 before the first is written).
    private func epochsCheckpointed(_ out: String) -> Int {
        (try? Checkpoint.read(from: "\(out)/last.ckpt").epoch) ?? 0
    }

    private func arguments(_ method: String, data: String, out: String) -> [String] {
        var args = ["pretrain", method, "--dataset", "mnist", "--data-dir", data, "--imb-factor", "0.5", "--arch", "resnet20",
                    "--epochs", "4", "--batch-size", "16", "--workers", "1", "--threads", "1", "--out", out]
        if method == "moco" { args += ["--queue-size", "64", "--bn-splits", "2"] }
        return args
    }

    @Test(arguments: ["rotation", "moco"])
    func killNineThenResumeMatchesTheUninterruptedRun(_ method: String) throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 12, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-pretrain-resume")
        defer { runs.remove() }
        let straight = runs.file("straight"), crashed = runs.file("crashed")
        let a = try launch(arguments(method, data: data, out: straight))
        a.waitUntilExit()
        try #require(a.terminationStatus == 0)

        let b = try launch(arguments(method, data: data, out: crashed))
        let deadline = Date().addingTimeInterval(120)
        while epochsCheckpointed(crashed) < 1 && b.isRunning && Date() < deadline { usleep(20_000) }
        usleep(30_000)  // into the next epoch
        kill(b.processIdentifier, SIGKILL)
        b.waitUntilExit()
        let killedAt = try Checkpoint.read(from: "\(crashed)/last.ckpt").epoch
        #expect(killedAt >= 1 && killedAt < 4, "the kill should land mid-run (checkpoint at epoch \(killedAt))")

        let c = try launch(["pretrain", "--resume", crashed, "--threads", "1"])
        c.waitUntilExit()
        try #require(c.terminationStatus == 0)

        let x = try Checkpoint.read(from: "\(straight)/last.ckpt"), y = try Checkpoint.read(from: "\(crashed)/last.ckpt")
        #expect(x.epoch == 4 && y.epoch == 4)
        try expectSameTensors("state_dict", x.stateDict, y.stateDict)
        try expectSameTensors("task_state", x.taskState, y.taskState)
        if method == "moco" { #expect(x.taskState.contains { $0.0 == "queue.keys" } && x.taskState.contains { $0.0.hasPrefix("key.") }) }
        #expect(try RunLog.periods(in: "\(crashed)/log.jsonl").map(\.epoch) == [0, 1, 2, 3])
        let tb = try FileManager.default.contentsOfDirectory(atPath: "\(crashed)/tb")
        #expect(tb.contains { $0.hasPrefix("events.out.tfevents.") })
        let report = try String(contentsOfFile: "\(crashed)/report.html", encoding: .utf8)
        #expect(report.contains("<svg") && report.contains(method))
        // `tailkit report` renders the same run from its folder alone.
        let rendered = runs.file("rendered.html")
        let r = try launch(["report", crashed, "--out", rendered])
        r.waitUntilExit()
        #expect(r.terminationStatus == 0)
        let html = try String(contentsOfFile: rendered, encoding: .utf8)
        #expect(html.contains("History") && html.contains("train loss") && html.contains(method))
    }
}
