import Foundation
import Testing
import TestSupport
import Torch

/// `--device cuda` is accepted by every command that computes (train, pretrain, pll, eval, predict,
/// pseudo-label) and, where this libtorch has no CUDA device, refused at once with a message that says
/// why and what to do, before any data is read.
@Suite struct DeviceChoiceTests {
    @Test func aMissingCUDADeviceIsAClearError() throws {
        let count = Torch.cudaDeviceCount
        #expect(throws: Never.self) { try Device.cpu.checkAvailable() }
        #expect { try Device.cuda(count).checkAvailable() } throws: { "\($0)".contains("--device cuda:\(count)") }
        guard count == 0 else { return }
        let runs = try TemporaryFolder("tk-device")
        defer { runs.remove() }
        let commands: [[String]] = [
            ["train", "--device", "cuda", "--epochs", "1", "--out", runs.file("t")],
            ["pretrain", "rotation", "--device", "cuda", "--epochs", "1", "--out", runs.file("p")],
            ["pll", "--method", "corr", "--device", "cuda:0", "--epochs", "1", "--out", runs.file("l")],
        ]
        for arguments in commands {
            let log = runs.file("\(arguments[0]).txt")
            try #require(FileManager.default.createFile(atPath: log, contents: nil))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let p = try TailKitExecutable.launch(arguments + ["--threads", "1"], output: handle)
            p.waitUntilExit()
            try handle.close()
            let text = try String(contentsOfFile: log, encoding: .utf8)
            #expect(p.terminationStatus != 0 && text.contains("has no CUDA device") && text.contains("--device cpu"), "\(arguments): \(text)")
        }
    }
}
