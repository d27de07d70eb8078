import Foundation
import TailData

/// One folder per run, everything a researcher needs to trust and reproduce it:
/// `config.yaml` (every resolved value), `counts.json`, `log.jsonl` (one line per epoch),
/// TensorBoard event files under `tb/`, `last.ckpt` and `best.ckpt` (atomic writes) and
/// `report.html`. Problems with the folder surface before training starts.
public final class RunFolder: TrainingObserver {
    public let path: String
    public let classNames: [String]
    private let trainer: SupervisedTrainer
    private var tensorBoard: TensorBoardWriter?
    private var history: [EpochSummary] = []

    public var lastCheckpointPath: String { "\(path)/last.ckpt" }
    public var bestCheckpointPath: String { "\(path)/best.ckpt" }
    public var reportPath: String { "\(path)/report.html" }
    public var logPath: String { "\(path)/log.jsonl" }

    /// Creates (or reopens, when resuming) the folder and writes the config and class counts.
    /// Fails at once if the folder cannot be written or the disk is nearly full.
    public init(path: String, trainer: SupervisedTrainer, classNames: [String], minimumFreeBytes: Int = 64 << 20) throws {
        self.path = path
        self.trainer = trainer
        self.classNames = classNames
        try Self.preflight(path, minimumFreeBytes: minimumFreeBytes)
        try AtomicFile.write(trainer.config.yaml(), to: "\(path)/config.yaml")
        let counts = trainer.train.classCounts()
        let countsJSON: [String: Any] = ["class_names": classNames, "train_counts": counts,
                                         "test_counts": trainer.test.classCounts(), "train_total": trainer.train.count]
        try AtomicFile.write(Array(try JSONSerialization.data(withJSONObject: countsJSON, options: [.sortedKeys, .prettyPrinted])),
                             to: "\(path)/counts.json")
        history = Self.readHistory(logPath)
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

    public func runStarted(state: TrainingState, totalEpochs: Int, stepsPerEpoch: Int) {
        tensorBoard = try? TensorBoardWriter(directory: "\(path)/tb")
        if tensorBoard == nil { FileHandle.standardError.write(Data("warning: TensorBoard events cannot be written in \(path)/tb\n".utf8)) }
        // A resumed run keeps only the log lines of epochs its checkpoint holds.
        history = history.filter { $0.epoch < state.epoch }
    }

    public func stepEnded(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double, lr: Double, imagesPerSecond: Double) {}

    public func epochEnded(_ summary: EpochSummary, state: TrainingState) throws {
        // Checkpoint first: the log never shows an epoch that a resume would not find.
        let checkpoint = try trainer.checkpoint()
        try checkpoint.write(to: lastCheckpointPath)
        if summary.test.top1 >= state.bestTop1 { try checkpoint.write(to: bestCheckpointPath) }
        history.append(summary)
        try writeLog()
        try logTensorBoard(summary)
        try AtomicFile.write(try JSONEncoder.sorted.encode(summary.test).bytes, to: "\(path)/eval_last.json")
        try RunReport(title: "TailKit run \(URL(fileURLWithPath: path).lastPathComponent)", config: trainer.config,
                      history: history, classNames: classNames).write(to: reportPath)
    }

    private func writeLog() throws {
        let lines = try history.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: logPath)
    }

    private func logTensorBoard(_ s: EpochSummary) throws {
        guard let tb = tensorBoard else { return }
        let step = s.epoch + 1
        try tb.scalar("train/loss", s.trainLoss, step: step)
        try tb.scalar("train/accuracy", s.trainAccuracy, step: step)
        try tb.scalar("train/lr", s.lr, step: step)
        try tb.scalar("train/images_per_s", s.imagesPerSecond, step: step)
        try tb.scalar("test/loss", s.testLoss, step: step)
        try tb.scalar("test/top1", s.test.top1, step: step)
        try tb.scalar("test/top5", s.test.top5, step: step)
        try tb.scalar("test/balanced", s.test.balanced, step: step)
        try tb.scalar("test/many", s.test.many, step: step)
        try tb.scalar("test/medium", s.test.medium, step: step)
        try tb.scalar("test/few", s.test.few, step: step)
        let image = ConfusionImage(s.test.confusion)
        try tb.image("test/confusion_matrix", width: image.width, height: image.height, rgb: image.rgb, step: step)
    }

    static func readHistory(_ path: String) -> [EpochSummary] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochSummary.self, from: Data($0.utf8)) }
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
