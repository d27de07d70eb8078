import Foundation
import Testing
@testable import TailKit
import TestSupport
import Torch

/// Crash safety: `kill -9` in the middle of training, then `--resume`, ends with the same weights as an
/// uninterrupted run; and every failure leaves the last good checkpoint loadable.
@Suite(.serialized) struct ResumeTests {
    private var binary: String {
        get throws { try TailKitExecutable.path() }
    }

    private func launch(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    private func trainArguments(data: String, out: String) -> [String] {
        ["train", "--dataset", "mnist", "--data-dir", data, "--imb-factor", "0.1", "--arch", "resnet20", "--epochs", "6",
         "--batch-size", "16", "--workers", "1", "--threads", "1", "--out", out]
    }

    /// Periods (epochs) in the run log, as a resumed run's history has them.
    private func epochsLogged(_ out: String) -> Int {
        (try? RunLog.periods(in: "\(out)/log.jsonl").count) ?? 0
    }

    @Test func killNineMidEpochThenResumeMatchesUninterruptedRun() throws {
        let data = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-resume")
        defer { runs.remove() }
        let straight = runs.file("straight"), crashed = runs.file("crashed")
        let a = try launch(trainArguments(data: data, out: straight))
        a.waitUntilExit()
        #expect(a.terminationStatus == 0)

        let b = try launch(trainArguments(data: data, out: crashed))
        let deadline = Date().addingTimeInterval(120)
        while ((try? Checkpoint.read(from: "\(crashed)/last.ckpt").epoch) ?? 0) < 2 && b.isRunning && Date() < deadline { usleep(20_000) }
        usleep(50_000)  // into the next epoch
        kill(b.processIdentifier, SIGKILL)
        b.waitUntilExit()
        let killedAt = try Checkpoint.read(from: "\(crashed)/last.ckpt").epoch
        #expect(killedAt >= 2 && killedAt < 6, "the kill should land mid-run (checkpoint at epoch \(killedAt))")

        let c = try launch(["train", "--resume", crashed, "--threads", "1", "--workers", "1"])
        c.waitUntilExit()
        #expect(c.terminationStatus == 0)

        let x = try Checkpoint.read(from: "\(straight)/last.ckpt"), y = try Checkpoint.read(from: "\(crashed)/last.ckpt")
        #expect(x.epoch == 6 && y.epoch == 6)
        try expectSameTensors("state_dict", x.stateDict, y.stateDict)
        #expect(epochsLogged(crashed) == 6)
    }
}
