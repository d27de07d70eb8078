import Foundation
import Testing
@testable import TailKit
import TestSupport
import Torch

/// Crash safety beyond kill -9 (ResumeTests): SIGTERM finishes the step, checkpoints and exits with
/// a message, and `--resume` goes on from that step; a second process on a busy run folder is
/// refused while a dead holder's lock does not block; a checkpoint write that runs out of room (a
/// file-size limit standing in for a full disk) keeps the previous checkpoint loadable.
@Suite(.serialized) struct CrashSafetyTests {
    /// A child `tailkit` whose stderr goes to a file (a pipe could fill up and block it).
    private struct Child {
        let process: Process
        let stderrPath: String
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    }

    private func launch(_ arguments: [String], stderrTo path: String, shell: String? = nil) throws -> Child {
        try #require(FileManager.default.createFile(atPath: path, contents: nil))
        let p = Process()
        if let shell {
            // `bash -c '<shell>; exec tailkit "$@"' tailkit args...`: limits set in the shell apply to tailkit only.
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", "\(shell); exec \"$0\" \"$@\"", try TailKitExecutable.path()] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
            p.arguments = arguments
        }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try p.run()
        return Child(process: p, stderrPath: path)
    }

    private func trainArguments(data: String, out: String, epochs: Int) -> [String] {
        ["train", "--dataset", "mnist", "--data-dir", data, "--imb-factor", "0.1", "--arch", "resnet20", "--epochs", "\(epochs)",
         "--batch-size", "16", "--workers", "1", "--threads", "1", "--out", out]
    }

    private func checkpointStep(_ out: String) -> Int {
        ((try? Checkpoint.read(from: "\(out)/last.ckpt"))?.step ?? nil) ?? 0
    }

    @Test func sigtermCheckpointsTheFinishedStepAndResumeContinuesWhileASecondProcessIsRefused() throws {
        let data = try TinyDataset.writeMNISTStyle()
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-sigterm")
        defer { runs.remove() }
        let out = runs.file("run")
        let first = try launch(trainArguments(data: data, out: out, epochs: 4), stderrTo: runs.file("first.err"))
        let deadline = Date().addingTimeInterval(180)
        while checkpointStep(out) == 0 && first.process.isRunning && Date() < deadline { usleep(20_000) }
        let epochStep = checkpointStep(out)
        try #require(epochStep > 0 && first.process.isRunning, "the run should be training its second epoch: \(first.stderr)")

        // The same folder from a second process, while the first holds it.
        let second = try launch(trainArguments(data: data, out: out, epochs: 4), stderrTo: runs.file("second.err"))
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 1)
        #expect(second.stderr.contains("\(out) is in use by another tailkit process (pid \(first.process.processIdentifier),"),
                "\(second.stderr)")

        kill(first.process.processIdentifier, SIGTERM)
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .exit && first.process.terminationStatus == 128 + SIGTERM)
        let message = try #require(first.stderr.split(separator: "\n").last { $0.contains("stopped by SIGTERM") }, "\(first.stderr)")
        let saved = try Checkpoint.read(from: "\(out)/last.ckpt")
        let step = try #require(saved.step)
        #expect(step > epochStep)
        #expect(message.hasSuffix("stopped by SIGTERM after step \(step) of \(4 * epochStep); checkpoint written to \(out)/last.ckpt; continue with --resume \(out)"),
                "\(message)")

        // The lock file stays behind; its holder has exited, so it does not block the resume.
        #expect(FileManager.default.fileExists(atPath: "\(out)/.lock"))
        let resumed = try launch(["train", "--resume", out, "--threads", "1", "--workers", "1"], stderrTo: runs.file("resume.err"))
        resumed.process.waitUntilExit()
        #expect(resumed.process.terminationStatus == 0, "\(resumed.stderr)")
        let final = try Checkpoint.read(from: "\(out)/last.ckpt")
        #expect(final.epoch == 4 && final.step == 4 * epochStep)
        #expect(try RunLog.periods(in: "\(out)/log.jsonl").count == 4)
    }

    @Test func aLockIsExclusiveWhileHeldAndFreeOnceReleased() throws {
        let runs = try TemporaryFolder("tk-lock")
        defer { runs.remove() }
        // A lock file from a process that no longer exists: nothing holds it.
        try runs.write(".lock", text: "pid 999999, since 2020-01-01T00:00:00Z\n")
        var held: RunFolderLock? = try RunFolderLock(folder: runs.path)
        #expect(throws: TailKitError.self) { try RunFolderLock(folder: runs.path) }
        do {
            _ = try RunFolderLock(folder: runs.path)
        } catch let TailKitError.runFolderBusy(path, holder) {
            #expect(path == runs.path && holder.hasPrefix("pid \(getpid()), since "))
        }
        held = nil
        _ = held
        let again = try RunFolderLock(folder: runs.path)
        #expect(again.path == runs.file(".lock"))
    }

    @Test func reopeningARunFolderRemovesTheTemporaryFilesOfAKilledWrite() throws {
        let runs = try TemporaryFolder("tk-leftovers")
        defer { runs.remove() }
        try runs.write(".last.ckpt.tmp-4242", [UInt8](repeating: 1, count: 1000))
        try runs.write("last.ckpt", [1, 2, 3])
        let folder = try RunFolder(path: runs.path, configYAML: "task: toy\n")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == [".lock", "config.yaml", "last.ckpt"])
    }

    @Test func aFullDiskDuringTheCheckpointWriteKeepsThePreviousCheckpoint() throws {
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 12, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-full-disk")
        defer { runs.remove() }
        let out = runs.file("run")
        let first = try launch(trainArguments(data: data, out: out, epochs: 1), stderrTo: runs.file("first.err"))
        first.process.waitUntilExit()
        try #require(first.process.terminationStatus == 0, "\(first.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(out)/last.ckpt"))
        try #require(before.count > 600 << 10, "the checkpoint must be larger than the limit below")

        // Files of at most 512 KiB: the small log and config writes pass, the checkpoint write fails
        // with EFBIG as on a full disk (SIGXFSZ ignored, so the write returns an error instead of killing).
        let limited = try launch(["train", "--resume", out, "--epochs", "2", "--threads", "1", "--workers", "1"],
                                 stderrTo: runs.file("limited.err"), shell: "ulimit -f 512; trap '' XFSZ")
        limited.process.waitUntilExit()
        #expect(limited.process.terminationStatus == 1)
        #expect(limited.stderr.contains("error: cannot write to \(out)/last.ckpt: File too large: a file-size limit stops the"),
                "\(limited.stderr)")
        #expect(limited.stderr.contains("the previous file is kept"))
        let after = try Data(contentsOf: URL(fileURLWithPath: "\(out)/last.ckpt"))
        #expect(after == before)
        #expect(try Checkpoint.read(from: "\(out)/last.ckpt").epoch == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
    }
}

/// Malformed `--config` files: YAML syntax errors, duplicate keys, wrong types, NaN and infinity.
@Suite struct MalformedConfigTests {
    private func load(_ name: String, _ text: String) throws -> (String, Result<TrainConfig, any Error>) {
        let folder = try TemporaryFolder("tk-bad-config")
        defer { folder.remove() }
        let path = try folder.write(name, text: text)
        return (path, Result {
            let config = try TrainConfig(yamlFile: path)
            try config.validate()
            return config
        })
    }

    @Test func duplicateKeysAreRefusedNamingTheKeyAndTheFile() throws {
        let (path, result) = try load("dup.yaml", "lr: 0.1\nepochs: 3\nlr: 0.2\n")
        #expect(throws: TailKitError.badFile(path: path, problem: "invalid config: key 'lr' is given more than once")) { try result.get() }
    }

    @Test func nanAndInfinityAreRefusedNamingTheFlag() throws {
        for (key, text) in [("lr", ".nan"), ("momentum", ".inf"), ("imb-factor", "-.inf")] {
            let (_, result) = try load("\(key).yaml", "\(key): \(text)\n")
            let value = Double(text == ".nan" ? "nan" : text.replacingOccurrences(of: ".", with: ""))!
            #expect(throws: TailKitError.invalidOption("--\(key) \(value) must be a finite number")) { try result.get() }
        }
    }

    @Test func syntaxErrorsAndWrongTypesNameTheFile() throws {
        for (name, text) in [("syntax.yaml", "epochs: [1, 2\n"), ("type.yaml", "epochs: many\n"), ("tab.yaml", "lr:\t\"0.1\n")] {
            let (path, result) = try load(name, text)
            do {
                _ = try result.get()
                Issue.record("\(name) was accepted")
            } catch let TailKitError.badFile(errorPath, problem) {
                #expect(errorPath == path && problem.hasPrefix("invalid config: "), "\(problem)")
            }
        }
    }
}
