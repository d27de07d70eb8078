import Foundation

/// The scale-out cases of `tailkit bench`, each a ratio measured in one run on this machine:
///
/// - training: `tailkit train` on the Fashion-MNIST-LT split (ResNet-32, global batch 128, no augmentation)
///   as one rank with one libtorch thread, as `tailkit launch --nproc 2` with one thread per rank, and as one
///   rank with `2` threads; images/s of the training steps from rank 0's log.jsonl (`images_per_s`, the
///   rank's own images) times the rank count, so data loading, start-up and evaluation are left out;
/// - pseudo-labelling: `pseudo-label --stdin --select-out` in one process (all cores) against
///   scripts/spark_pseudo_label.py with Spark local[2] (two partitions, one thread each) on the same
///   generated records; images/s of the whole command, start-up included (Spark's JVM is part of its cost).
///
/// ```swift
/// let bench = ScaleOutBenchmark(executable: "/path/to/tailkit", folder: tmp, epochs: 1)
/// let rates = try bench.training()     // ["1 rank x 1 thread": ..., "2 ranks x 1 thread": ..., ...]
/// ```
public struct ScaleOutBenchmark {
    public let executable: String
    public let folder: String
    public let epochs: Int
    public let records: Int

    public init(executable: String, folder: String, epochs: Int = 1, records: Int = 20_000) {
        self.executable = executable
        self.folder = folder
        self.epochs = epochs
        self.records = records
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private var trainArguments: [String] {
        ["train", "--dataset", "fmnist", "--imb-factor", "0.01", "--arch", "resnet32", "--epochs", "\(epochs)", "--batch-size", "128",
         "--augment", "none", "--workers", "1"]
    }

    /// Training images/s for (ranks, threads per rank) = (1, 1), (2, 1), (1, 2), with the run folder of the first.
    public func training() throws -> (rates: [(ranks: Int, threads: Int, imagesPerSecond: Double)], checkpoint: String) {
        var rates: [(Int, Int, Double)] = []
        for (ranks, threads) in [(1, 1), (2, 1), (1, 2)] {
            let out = "\(folder)/train-\(ranks)x\(threads)"
            let command = ranks == 1 ? trainArguments + ["--threads", "\(threads)", "--out", out]
                : ["launch", "--nproc", "\(ranks)", "--"] + trainArguments + ["--threads", "\(threads)", "--out", out]
            try run(command)
            rates.append((ranks, threads, try rankZeroRate(log: "\(out)/log.jsonl") * Double(ranks)))
        }
        return (rates, "\(folder)/train-1x1/last.ckpt")
    }

    /// images/s of one process (`threads` threads) and of Spark local[2], on `records` generated records.
    public func pseudoLabelling(checkpoint: String, threads: Int, pysparkPath: String, pythonPath: String, script: String) throws
        -> (single: Double, spark: Double) {
        let pool = "\(folder)/pool.tsv"
        try writePool(pool)
        let selection = ["--unlabeled-total", "\(records / 5)", "--imb-factor-unlabel", "0.01"]
        let single = try timed {
            try run(["pseudo-label", "--stdin", "--checkpoint", checkpoint, "--select-out", "\(folder)/single.pickle",
                     "--threads", "\(threads)"] + selection, stdin: pool)
        }
        let spark = try timed {
            try runProcess("/usr/bin/env", ["python3", "-s", "-S", script, "--master", "local[2]", "--partitions", "2", "--tailkit", executable,
                                            "--checkpoint", checkpoint, "--records", pool, "--out", "\(folder)/spark.pickle", "--threads", "1"] + selection,
                           environment: ["PYTHONPATH": pythonPath + ":" + pysparkPath, "PYTHONNOUSERSITE": "1"])
        }
        return (Double(records) / single, Double(records) / spark)
    }

    /// Fashion-MNIST-sized records (28x28x1) in TailKit's test style: a bright stripe per class over noise.
    private func writePool(_ path: String) throws {
        var state: UInt64 = 12_345
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var text = ""
        for i in 0..<records {
            let c = next(10), level = 60 + next(161)
            let image = (0..<(28 * 28)).map { p in UInt8(p % 28 / 3 == c ? level : next(61)) }
            text += String(format: "r%06d\t", i) + Data(image).base64EncodedString() + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Rank 0's training images/s of the last period in log.jsonl.
    private func rankZeroRate(log: String) throws -> Double {
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        for line in lines.reversed() {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let rate = object["images_per_s"] as? Double else { continue }
            return rate
        }
        throw Failure(description: "\(log) has no images_per_s")
    }

    private func timed(_ body: () throws -> Void) throws -> Double {
        let start = Date()
        try body()
        return Date().timeIntervalSince(start)
    }

    private func run(_ arguments: [String], stdin: String? = nil) throws {
        try runProcess(executable, arguments, stdin: stdin)
    }

    private func runProcess(_ path: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let log = "\(folder)/bench-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        p.standardOutput = handle
        p.standardError = handle
        if let stdin { p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdin)) }
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Failure(description: "\(([path] + arguments).joined(separator: " ")) failed: \(text.suffix(2000))")
        }
    }
}
