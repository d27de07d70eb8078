import Foundation
import Testing
@testable import TailKit
import TestSupport
import Torch

/// `tailkit launch` / `train --world-size`: real ranks (separate processes) on loopback over c10d's gloo.
/// Two ranks end with identical weights; with the backbone's BN fixed (cRT: a frozen backbone in eval mode,
/// the classifier trained) they end where one process with the same global batch ends, to float rounding
/// (in joint training each rank's BN normalises its own half-batch, as with DDP, so the two differ there);
/// a rank killed mid-run makes the other fail with a message that says how to continue, and `--resume`
/// then ends exactly where the uninterrupted two-rank run ends; bad flags fail fast with the flag named.
@Suite(.serialized) struct DataParallelTests {
    private func arguments(data: String, out: String) -> [String] {
        ["train", "--dataset", "mnist", "--data-dir", data, "--imb-factor", "1", "--arch", "resnet20", "--epochs", "3",
         "--batch-size", "20", "--lr", "0.05", "--augment", "none", "--workers", "1", "--out", out]
    }

    /// Runs `tailkit arguments` to the end (a hang guard of `limit` seconds) and returns its status and output.
    private func run(_ arguments: [String], in runs: TemporaryFolder, limit: TimeInterval = 600) throws -> (Int32, String) {
        let (process, log) = try start(arguments, in: runs)
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOfFile: log, encoding: .utf8))
    }

    private func start(_ arguments: [String], in runs: TemporaryFolder) throws -> (Process, String) {
        let log = runs.file("out-\(UUID().uuidString).txt")
        try #require(FileManager.default.createFile(atPath: log, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        return (try TailKitExecutable.launch(arguments, output: handle), log)
    }

    private func largestDifference(_ a: Checkpoint, _ b: Checkpoint) throws -> Double {
        try #require(a.stateDict.count == b.stateDict.count, "\(a.stateDict.count) vs \(b.stateDict.count) tensors")
        #expect(a.stateDict.map(\.0) == b.stateDict.map(\.0))
        var largest = 0.0
        for ((_, x), (_, y)) in zip(a.stateDict, b.stateDict) {
            try #require(x.shape == y.shape)
            largest = max(largest, try (x.to(DType.float64) - y.to(DType.float64)).abs().max().item())
        }
        return largest
    }

    @Test func twoRanksAgreeMatchOneProcessAndResumeAfterAKill() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 8, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-dp")
        defer { runs.remove() }
        let single = runs.file("single"), parallel = runs.file("parallel"), crashed = runs.file("crashed")

        let (s1, o1) = try run(arguments(data: data, out: single) + ["--threads", "1"], in: runs)
        try #require(s1 == 0, "one process: \(o1)")
        let (s2, o2) = try run(["launch", "--nproc", "2", "--"] + arguments(data: data, out: parallel), in: runs)
        try #require(s2 == 0, "two ranks: \(o2)")
        #expect(o2.contains("data-parallel: 2 ranks ended with identical weights (largest difference from rank 0: 0)"), "\(o2)")
        let one = try Checkpoint.read(from: "\(single)/last.ckpt"), two = try Checkpoint.read(from: "\(parallel)/last.ckpt")
        #expect(one.step == 12 && two.step == 12, "80 images in global batches of 20 for 3 epochs: \(one.step ?? -1), \(two.step ?? -1)")
        #expect(try String(contentsOfFile: "\(parallel)/config.yaml", encoding: .utf8).contains("world-size: 2"))

        // cRT on the one-process model: no batch statistics in training, so 2 x 10 images = 1 x 20 images.
        let crt = ["--stage", "crt", "--pretrained", "\(single)/last.ckpt", "--epochs", "2"]
        let (s5, o5) = try run(arguments(data: data, out: runs.file("crt1")) + crt + ["--threads", "1"], in: runs)
        try #require(s5 == 0, "cRT, one process: \(o5)")
        let (s6, o6) = try run(["launch", "--nproc", "2", "--"] + arguments(data: data, out: runs.file("crt2")) + crt, in: runs)
        try #require(s6 == 0, "cRT, two ranks: \(o6)")
        let crt1 = try Checkpoint.read(from: "\(runs.file("crt1"))/last.ckpt"), crt2 = try Checkpoint.read(from: "\(runs.file("crt2"))/last.ckpt")
        #expect(crt1.step == 8 && crt2.step == 8, "\(crt1.step ?? -1), \(crt2.step ?? -1)")
        let moved = try largestDifference(crt1, try Checkpoint.read(from: "\(single)/last.ckpt"))
        let gap = try largestDifference(crt1, crt2)
        #expect(moved > 1e-3, "cRT should change the classifier (moved \(moved))")
        #expect(gap < 1e-5, "cRT, two ranks vs one process: largest weight difference \(gap)")

        // Rank 1 killed after the first epoch's checkpoint: rank 0 fails within its --dist-timeout, saying why.
        let port = try FreePort.next()
        func rank(_ r: Int, _ extra: [String]) throws -> (Process, String) {
            try start(extra + ["--threads", "1", "--world-size", "2", "--rank", "\(r)", "--master", "127.0.0.1:\(port)",
                               "--dist-timeout", "60"], in: runs)
        }
        let (zero, zeroLog) = try rank(0, arguments(data: data, out: crashed))
        let (one1, _) = try rank(1, arguments(data: data, out: crashed))
        let deadline = Date().addingTimeInterval(300)
        while ((try? Checkpoint.read(from: "\(crashed)/last.ckpt").epoch) ?? 0) < 1 && zero.isRunning && Date() < deadline { usleep(20_000) }
        kill(one1.processIdentifier, SIGKILL)
        one1.waitUntilExit()
        let failDeadline = Date().addingTimeInterval(120)
        while zero.isRunning && Date() < failDeadline { usleep(50_000) }
        #expect(!zero.isRunning, "rank 0 should fail once rank 1 is gone, not hang")
        if zero.isRunning { kill(zero.processIdentifier, SIGKILL) }
        zero.waitUntilExit()
        #expect(zero.terminationStatus != 0)
        let message = try String(contentsOfFile: zeroLog, encoding: .utf8)
        #expect(message.contains("rank 0 of 2") && message.contains("--resume"), "\(message)")
        let killedAt = try Checkpoint.read(from: "\(crashed)/last.ckpt").epoch
        #expect(killedAt >= 1 && killedAt < 3, "the kill should land mid-run (checkpoint at epoch \(killedAt))")

        // Another world size is refused; the same one continues to the uninterrupted two-rank run's weights.
        let (s3, o3) = try run(["train", "--resume", crashed, "--threads", "1"], in: runs)
        #expect(s3 != 0 && o3.contains("--world-size 2"), "\(o3)")
        let (s4, o4) = try run(["launch", "--nproc", "2", "--", "train", "--resume", crashed], in: runs)
        try #require(s4 == 0, "resume: \(o4)")
        let resumed = try Checkpoint.read(from: "\(crashed)/last.ckpt")
        #expect(resumed.epoch == 3)
        #expect(try largestDifference(resumed, two) < 1e-5)
    }

    @Test func badFlagsFailFastNamingTheProblem() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 2, testPerClass: 1)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-dp-bad")
        defer { runs.remove() }
        let base = arguments(data: data, out: runs.file("run")) + ["--threads", "1", "--dist-timeout", "5"]

        // Nobody serves the master's port.
        let silent = try FreePort.next()
        let (s1, o1) = try run(base + ["--world-size", "2", "--rank", "1", "--master", "127.0.0.1:\(silent)"], in: runs, limit: 120)
        #expect(s1 != 0 && o1.contains("127.0.0.1:\(silent)") && o1.contains("--master"), "\(o1)")

        // The port is taken by another program.
        let busy = try ListeningSocket()
        let (s2, o2) = try run(base + ["--world-size", "2", "--rank", "0", "--master", "127.0.0.1:\(busy.port)"], in: runs, limit: 120)
        #expect(s2 != 0 && o2.lowercased().contains("address already in use"), "\(o2)")
        withExtendedLifetime(busy) {}

        // Two ranks that disagree on the world size.
        let port = try FreePort.next()
        let (a, aLog) = try start(base + ["--batch-size", "6", "--world-size", "2", "--rank", "0", "--master", "127.0.0.1:\(port)"], in: runs)
        let (b, bLog) = try start(base + ["--batch-size", "6", "--world-size", "3", "--rank", "1", "--master", "127.0.0.1:\(port)"], in: runs)
        for p in [a, b] {
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning && Date() < deadline { usleep(50_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            #expect(p.terminationStatus != 0)
        }
        for log in [aLog, bLog] {
            let text = try String(contentsOfFile: log, encoding: .utf8)
            #expect(text.contains("world size mismatch: rank 0 has --world-size 2, rank 1 has 3"), "\(text)")
        }

        for (extra, needle) in [(["--world-size", "2"], "--rank"), (["--world-size", "2", "--rank", "2"], "outside 0 ..< 2"),
                                (["--world-size", "2", "--rank", "0", "--master", "nohost"], "HOST:PORT"),
                                (["--world-size", "3", "--rank", "0", "--master", "127.0.0.1:1"], "multiple of --world-size 3")] {
            let (status, output) = try run(base + extra, in: runs, limit: 120)
            #expect(status != 0 && output.contains(needle), "\(extra): \(output)")
        }
        let (s5, o5) = try run(["launch", "--nproc", "2", "--", "eval", "--checkpoint", "x"], in: runs, limit: 60)
        #expect(s5 != 0 && o5.contains("launch runs `train`"), "\(o5)")
    }
}

/// A socket listening on a free port of 127.0.0.1 until released: a port in use by another program.
private final class ListeningSocket {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        try #require(fd >= 0 && ok, "cannot listen on 127.0.0.1 (errno \(errno))")
    }

    deinit { close(fd) }
}
