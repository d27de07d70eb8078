import Foundation
import TailData

/// One folder per run, everything a researcher needs to trust and reproduce it:
/// `config.yaml` (every resolved value), `counts.json`, `log.jsonl` (the event stream, see
/// `RunLog`), TensorBoard event files under `tb/`, `last.ckpt` and `best.ckpt` (atomic writes),
/// `eval_last.json` and `report.html`. Problems with the folder surface before training starts, and
/// a `.lock` file keeps a second process from writing the same folder (see `RunFolderLock`).
///
/// As a hook it writes the checkpoints: `last.ckpt` after every period, `best.ckpt` when the
/// period set a new best (or every period for a task without a selection metric).
public final class RunFolder: TrainerHook {
    public let path: String

    public var lastCheckpointPath: String { "\(path)/last.ckpt" }
    public var bestCheckpointPath: String { "\(path)/best.ckpt" }
    public var reportPath: String { "\(path)/report.html" }
    public var logPath: String { "\(path)/log.jsonl" }
    public var tensorBoardPath: String { "\(path)/tb" }
    public var phase: HookPhase { .checkpoint }

    /// Creates (or reopens, when resuming) the folder and writes the config and, for labelled
    /// data, the class counts. Fails at once if the folder cannot be written or the disk is nearly full.
    /// Held while this object lives: a second process on the same folder is refused.
    private let lock: RunFolderLock

    public init(path: String, configYAML: String, counts: ClassCountsFile? = nil, minimumFreeBytes: Int = 64 << 20) throws {
        self.path = path
        try Self.preflight(path, minimumFreeBytes: minimumFreeBytes)
        lock = try RunFolderLock(folder: path)
        Self.removeTemporaryFiles(in: path)
        try AtomicFile.write(configYAML, to: "\(path)/config.yaml")
        if let counts { try AtomicFile.write(try counts.json(), to: "\(path)/counts.json") }
    }

    /// Removes the `.<name>.tmp-<pid>` files of `AtomicFile` writes that a killed process left
    /// behind (a half-written checkpoint is as large as a whole one). Safe under the lock: no other
    /// live process writes here.
    static func removeTemporaryFiles(in path: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where name.hasPrefix(".") && name.contains(".tmp-") {
            try? FileManager.default.removeItem(atPath: "\(path)/\(name)")
        }
    }

    /// The folder must exist or be creatable, take a file, and have room for checkpoints.
    static func preflight(_ path: String, minimumFreeBytes: Int) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TailKitError.unwritableOutput(path: path, problem: "cannot create the run folder (\(error.localizedDescription))")
        }
        let probe = "\(path)/.write-test"
        guard FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)) else {
            throw TailKitError.unwritableOutput(path: path, problem: "the run folder is not writable")
        }
        try? FileManager.default.removeItem(atPath: probe)
        var fs = statvfs()
        if statvfs(path, &fs) == 0 {
            let free = Int(fs.f_bavail) * Int(fs.f_frsize)
            if free < minimumFreeBytes {
                throw TailKitError.unwritableOutput(path: path, problem: "only \(free >> 20) MiB free; checkpoints need at least \(minimumFreeBytes >> 20) MiB")
            }
        }
    }

    /// The hooks that fill the folder: this one (checkpoints), the run log, TensorBoard and the report.
    public func standardHooks(config: TrainConfig, classNames: [String]) -> [TrainerHook] {
        standardHooks(settings: config.yamlSettings(), classNames: classNames)
    }

    /// The same for a run whose settings are more than a `TrainConfig` (partial-label runs).
    public func standardHooks(settings: [(String, String)], classNames: [String]) -> [TrainerHook] {
        [self, RunLog(path: logPath), TensorBoardHook(directory: tensorBoardPath),
         ReportHook(path: reportPath, logPath: logPath, title: "TailKit run \(URL(fileURLWithPath: path).lastPathComponent)",
                    settings: settings, classNames: classNames)]
    }

    /// The checkpoint and folder a `--resume RUN` names: a run folder (its `last.ckpt`) or a checkpoint file.
    public static func resumePoint(_ path: String) throws -> (checkpoint: Checkpoint, folder: String) {
        let isDir = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeDirectory
        let file = isDir ? "\(path)/last.ckpt" : path
        let checkpoint = try Checkpoint.read(from: file)
        guard !checkpoint.configJSON.isEmpty else {
            throw TailKitError.badFile(path: file, problem: "holds no TailKit run configuration, so it cannot be resumed (use it with --pretrained)")
        }
        return (checkpoint, URL(fileURLWithPath: file).deletingLastPathComponent().path)
    }

    /// Writes `last.ckpt` (not `best.ckpt`: the state was not evaluated) at the step where a
    /// signal stopped the run.
    public func interrupted(step: Int, checkpoint: () throws -> Checkpoint) throws -> String? {
        try checkpoint().write(to: lastCheckpointPath)
        return lastCheckpointPath
    }

    public func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        let state = try checkpoint()
        try state.write(to: lastCheckpointPath)
        if summary.isBest || summary.best == nil { try state.write(to: bestCheckpointPath) }
        if let eval = summary.eval { try AtomicFile.write(try JSONEncoder.sorted.encode(eval).bytes, to: "\(path)/eval_last.json") }
    }
}

/// `counts.json`: class names with their training and test counts.
public struct ClassCountsFile {
    public var classNames: [String]
    public var trainCounts: [Int]
    public var testCounts: [Int]

    public init(classNames: [String], trainCounts: [Int], testCounts: [Int]) {
        self.classNames = classNames
        self.trainCounts = trainCounts
        self.testCounts = testCounts
    }

    func json() throws -> [UInt8] {
        let object: [String: Any] = ["class_names": classNames, "train_counts": trainCounts, "test_counts": testCounts,
                                     "train_total": trainCounts.reduce(0, +)]
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]))
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

extension Data {
    var bytes: [UInt8] { [UInt8](self) }
}
