import Foundation

/// The Python PyTorch side of `tailkit bench` (scripts/bench_pytorch.py), run in one of two set-ups:
///
/// - `reference`: PyTorch as the reference codebases' users run it: default contiguous layout, glibc's
///   default malloc, torchvision's CIFAR transforms on PIL images in a DataLoader with worker processes.
/// - `tuned`: PyTorch tuned the way TailKit is: channels_last model and inputs, TailKit's malloc settings
///   (passed as the environment variables glibc reads at start-up), OMP/MKL thread counts, and batched
///   uint8 augmentation in the workers.
public enum PyTorchBaseline {
    public enum Variant: String, Sendable, CaseIterable {
        case reference, tuned
    }

    /// The malloc tunables TailKit sets at start (`ct_init` in Sources/CTorch/core.cpp calls
    /// `mallopt(M_MMAP_THRESHOLD, 32 MiB)` and `mallopt(M_TRIM_THRESHOLD, 256 MiB)`); the tuned Python
    /// run gets the same values through glibc's MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_.
    /// Keep these equal to core.cpp's.
    public static let mallocMmapThreshold = 32 * 1024 * 1024
    public static let mallocTrimThreshold = 256 * 1024 * 1024

    /// How TailKit's own process allocates, in the words the JSON lines use.
    public static var tailkitAllocator: String {
        "mallopt M_MMAP_THRESHOLD=\(mallocMmapThreshold), M_TRIM_THRESHOLD=\(mallocTrimThreshold)"
    }

    /// What one Python run reports.
    public struct Rate: Decodable, Sendable {
        public let images_per_s: Double
        public let threads: Int
        public let layout: String
        public let allocator: String
    }

    /// Environment variables that change glibc malloc's behaviour; cleared for both set-ups so that
    /// only the tuned one gets TailKit's values.
    static let mallocVariables = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                                  "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX", "GLIBC_TUNABLES"]

    /// The Python process's environment for `variant` with `threads` compute threads.
    public static func environment(_ variant: Variant, threads: Int) throws -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = try PythonTorch.pythonPath()
        for name in mallocVariables { env[name] = nil }
        if variant == .tuned {
            env["MALLOC_MMAP_THRESHOLD_"] = "\(mallocMmapThreshold)"
            env["MALLOC_TRIM_THRESHOLD_"] = "\(mallocTrimThreshold)"
            env["OMP_NUM_THREADS"] = "\(threads)"
            env["MKL_NUM_THREADS"] = "\(threads)"
        }
        return env
    }

    /// Runs `bench_pytorch.py <case> <variant> --threads <threads> <arguments>`; its images/s and set-up.
    public static func run(case name: String, variant: Variant, threads: Int, arguments: [String]) throws -> Rate {
        let script = try PythonTorch.scriptPath("bench_pytorch.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, name, variant.rawValue, "--threads", "\(threads)"] + arguments
        process.environment = try environment(variant, threads: threads)
        // stderr goes to a file, so that neither pipe can fill up and stall the child; shown on failure.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("tailkit-bench-\(UUID().uuidString).err")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw PythonTorch.Failure(description: "cannot create \(errURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: errURL) }
        let out = Pipe()
        process.standardOutput = out
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? errHandle.close() }
        process.standardError = errHandle
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw PythonTorch.Failure(description: "python3 \(script) \(name) \(variant.rawValue) failed: \(stderr)")
        }
        return try JSONDecoder().decode(Rate.self, from: stdout)
    }
}
