import Foundation
import Testing
@testable import TailKit
import Torch

/// Crash safety: `kill -9` in the middle of training, then `--resume`, ends with the same weights as an
/// uninterrupted run; and every failure leaves the last good checkpoint loadable.
@Suite(.serialized) struct ResumeTests {
    /// A tiny MNIST-format data set (IDX files) whose classes differ by a bright stripe position.
    private func writeTinyDataset() throws -> String {
        let dir = NSTemporaryDirectory() + "tk-tiny-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func write(_ prefix: String, perClass: Int) throws {
            var images: [UInt8] = [0, 0, 8, 3], labels: [UInt8] = [0, 0, 8, 1]
            let n = perClass * 10
            for v in [UInt32(n), 28, 28] { images += withUnsafeBytes(of: v.bigEndian, Array.init) }
            labels += withUnsafeBytes(of: UInt32(n).bigEndian, Array.init)
            var rng = SystemRandomNumberGenerator()
            for i in 0..<n {
                let c = i % 10
                for y in 0..<28 { for x in 0..<28 { images.append(x / 3 == c ? 220 : UInt8.random(in: 0...60, using: &rng)) } }
                labels.append(UInt8(c))
            }
            try Data(images).write(to: URL(fileURLWithPath: "\(dir)/\(prefix)-images-idx3-ubyte"))
            try Data(labels).write(to: URL(fileURLWithPath: "\(dir)/\(prefix)-labels-idx1-ubyte"))
        }
        try write("train", perClass: 30)
        try write("t10k", perClass: 5)
        return dir
    }

    private var binary: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tailkit").path
    }

    private func launch(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
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

    private func epochsLogged(_ out: String) -> Int {
        ((try? String(contentsOfFile: "\(out)/log.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func killNineMidEpochThenResumeMatchesUninterruptedRun() throws {
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the tailkit executable first")
        let data = try writeTinyDataset()
        let straight = NSTemporaryDirectory() + "tk-straight-\(UUID().uuidString)"
        let crashed = NSTemporaryDirectory() + "tk-crashed-\(UUID().uuidString)"
        let a = try launch(trainArguments(data: data, out: straight))
        a.waitUntilExit()
        #expect(a.terminationStatus == 0)

        let b = try launch(trainArguments(data: data, out: crashed))
        let deadline = Date().addingTimeInterval(120)
        while epochsLogged(crashed) < 2 && b.isRunning && Date() < deadline { usleep(2_000) }
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
        #expect(x.stateDict.map { $0.0 } == y.stateDict.map { $0.0 })
        for ((name, t1), (_, t2)) in zip(x.stateDict, y.stateDict) {
            let d = try (t1.to(.float64) - t2.to(.float64)).abs().max().item()
            #expect(d < 1e-5, "\(name) differs by \(d)")
        }
        #expect(epochsLogged(crashed) == 6)
    }
}
