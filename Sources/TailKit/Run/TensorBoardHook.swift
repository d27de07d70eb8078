import Foundation

/// Writes every metric of a run to TensorBoard as it comes, whatever its name: step metrics as
/// `train_step/<name>` every `stepInterval` steps, period means as `train/<name>`, evaluation
/// scalars as `<split>/<name>` (`test`, or `val` when a val list picks the best epoch), matrices (the confusion matrix) as images. The x axis is the epoch
/// for epoch-based runs (as the reference logs) and the optimizer step otherwise.
public final class TensorBoardHook: TrainerHook {
    public let directory: String
    public let stepInterval: Int
    private var writer: TensorBoardWriter?
    private var epochBased = true

    public var phase: HookPhase { .log }

    public init(directory: String, stepInterval: Int = 50) {
        self.directory = directory
        self.stepInterval = stepInterval
    }

    public func runStarted(_ run: RunStart) throws {
        epochBased = run.epochBased
        writer = try? TensorBoardWriter(directory: directory)
        if writer == nil { TailKitLog.warning("TensorBoard events cannot be written in \(directory)") }
    }

    public func stepEnded(_ event: StepEvent) throws {
        guard let writer, stepInterval > 0, event.step % stepInterval == 0 else { return }
        for (name, value) in event.metrics.sorted(by: { $0.key < $1.key }) {
            try writer.scalar("train_step/\(name)", value, step: event.step)
        }
        try writer.scalar("train_step/lr", event.lr, step: event.step)
    }

    public func periodEnded(_ s: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        guard let writer else { return }
        let x = epochBased ? s.epoch + 1 : s.step
        for (name, value) in s.train.sorted(by: { $0.key < $1.key }) { try writer.scalar("train/\(name)", value, step: x) }
        try writer.scalar("train/lr", s.lr, step: x)
        try writer.scalar("train/images_per_s", s.imagesPerSecond, step: x)
        guard let eval = s.eval else { return }
        let split = s.evalSplitName
        // A name that carries its own split ("test/top1" beside a val evaluation) keeps it.
        for (name, value) in eval.sortedScalars { try writer.scalar(name.contains("/") ? name : "\(split)/\(name)", value, step: x) }
        for (name, matrix) in eval.matrices.sorted(by: { $0.key < $1.key }) {
            let image = ConfusionImage(matrix)
            let tag = name == "confusion" ? "\(split)/confusion_matrix" : "\(split)/\(name)"
            try writer.image(tag, width: image.width, height: image.height, rgb: image.rgb, step: x)
        }
    }
}
