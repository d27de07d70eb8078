import Foundation
import TailData

/// The 224-px ImageNet-LT training pipeline on JPEG files (`tailkit bench`'s image-loader case):
/// one epoch of `StreamingDataLoader` (decode with DCT scaling, RandomResizedCrop(224) + flip +
/// ColorJitter(0.4, 0.4, 0.4) + normalise), against scripts/bench_image_loader.py (PIL decode and the
/// same transforms written as torchvision defines them, in a torch DataLoader with as many worker
/// processes) on the same files.
public enum ImageLoaderBenchmark {
    public struct Rate: Decodable, Sendable {
        public let images_per_s: Double
        /// Resident memory sampled at every batch, the largest seen (for Python: the main process
        /// and its workers summed).
        public let peak_rss_mb: Double
        public let images: Int
    }

    /// Writes `count` ImageNet-sized JPEGs (300-640 x 240-500) and `list.txt` under `folder`, with Pillow.
    public static func makeJPEGs(in folder: String, count: Int) throws {
        _ = try runScript(["make", folder, "\(count)"])
    }

    /// TailKit's epoch over `list.txt` in `folder`.
    public static func tailkit(folder: String, batch: Int, workers: Int) throws -> Rate {
        let list = try ImageList(listFile: "\(folder)/list.txt", root: folder)
        let view = try AugmentPipeline.named("imagenet-train", inputHeight: 224, inputWidth: 224)
        let loader = try StreamingDataLoader(shuffling: list, batchSize: batch, dropLast: false, views: [view],
                                             normalization: .imageNet, seed: 0, workers: workers,
                                             prefetch: max(2, 2 * workers), onFailure: .fail)
        var peak = residentMB(), seen = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for b in try loader.epoch(0) {
            seen += b.count
            peak = max(peak, residentMB())
        }
        if let failure = loader.failureLog.fatalFailure { throw failure }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Rate(images_per_s: Double(seen) / max(seconds, 1e-9), peak_rss_mb: peak, images: seen)
    }

    /// The PyTorch DataLoader's epoch over the same files.
    public static func pytorch(folder: String, batch: Int, workers: Int) throws -> Rate {
        try JSONDecoder().decode(Rate.self, from: runScript(["run", "\(folder)/list.txt", folder, "--batch", "\(batch)",
                                                             "--workers", "\(workers)"]))
    }

    /// This process's resident memory now (VmRSS), in MiB.
    static func residentMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    private static func runScript(_ arguments: [String]) throws -> Data {
        let script = try PythonTorch.scriptPath("bench_image_loader.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-s", "-S", script] + arguments
        process.environment = try PyTorchBaseline.environment(.reference, threads: 1)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errors = ErrorDrain(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonTorch.Failure(description: "python3 \(script) \(arguments.first ?? "") failed: \(String(decoding: errors.wait(), as: UTF8.self))")
        }
        return stdout
    }
}

/// Reads a pipe to its end on a background thread, so that neither pipe can stall the child.
private final class ErrorDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
