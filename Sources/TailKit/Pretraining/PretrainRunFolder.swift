import Foundation

/// The folder of a pre-training run: `config.yaml`, `log.jsonl` (one line per epoch) and
/// `last.ckpt`, the file `tailkit train --pretrained` takes. Problems with the folder surface
/// before training starts.
public final class PretrainRunFolder: PretrainObserver {
    public let path: String
    private var history: [PretrainEpochSummary] = []

    public var checkpointPath: String { "\(path)/last.ckpt" }
    public var logPath: String { "\(path)/log.jsonl" }

    public init(path: String, config: PretrainConfig, minimumFreeBytes: Int = 64 << 20) throws {
        self.path = path
        try RunFolder.preflight(path, minimumFreeBytes: minimumFreeBytes)
        try AtomicFile.write(config.yaml(), to: "\(path)/config.yaml")
    }

    public func pretrainStarted(_ pretrainer: Pretrainer, totalEpochs: Int, stepsPerEpoch: Int) {}

    public func pretrainStepEnded(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double, lr: Double, imagesPerSecond: Double) {}

    public func pretrainEpochEnded(_ summary: PretrainEpochSummary, pretrainer: Pretrainer) throws {
        // Checkpoint first: the log never shows an epoch whose weights are not on disk.
        try pretrainer.checkpoint().write(to: checkpointPath)
        history.append(summary)
        let lines = try history.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: logPath)
    }
}
