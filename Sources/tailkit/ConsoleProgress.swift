import Foundation
import TailKit

/// Shows a run of any task on standard error: on a terminal a progress bar per period (an epoch,
/// or the steps between evaluations) with the step metrics, lr, images/s and time left; in a log
/// file (no terminal) a plain line every 10% of the whole run, at most one per 30 seconds; either
/// way one summary line per period with the training means and the evaluation.
final class ConsoleProgress: TrainerHook {
    private var bar: ProgressBar?
    private var run: RunStart?
    private let quiet: Bool
    private let interactive = ProgressBar.standardErrorIsTerminal

    var phase: HookPhase { .console }

    init(quiet: Bool = false) { self.quiet = quiet }

    func runStarted(_ run: RunStart) throws {
        self.run = run
        // Made before the first step, so that its rate and time left count that step too.
        if !quiet {
            bar = interactive ? periodBar(startingAfter: run.startStep, of: run) : ProgressBar(total: run.totalSteps - run.startStep, label: run.taskName)
        }
        guard run.startStep > 0 else { return }
        let best = run.best.map { String(format: " (best so far %.2f)", $0) } ?? ""
        log("resuming at \(position(step: run.startStep + 1, epoch: run.startStep / run.stepsPerEpoch, of: run))\(best)")
    }

    func stepEnded(_ event: StepEvent) throws {
        guard !quiet, let run else { return }
        let metrics = event.metrics.sorted { $0.key < $1.key }.map { String(format: "%@ %.4g", $0.key, $0.value) }.joined(separator: " ")
            + String(format: " lr %.5f %.0f img/s", event.lr, event.imagesPerSecond)
        if interactive {
            bar?.update(event.stepInPeriod, unit: "step", metrics: metrics)
        } else {
            bar?.update(event.step - run.startStep, unit: "step", metrics: position(step: event.step, epoch: event.epoch, of: run) + " " + metrics)
        }
    }

    func periodEnded(_ s: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        guard let run else { return }
        if interactive && !quiet && s.step < run.totalSteps { bar = periodBar(startingAfter: s.step, of: run) }
        var line = position(step: s.step, epoch: s.epoch, of: run) + "  train "
            + s.train.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: " ")
        if let eval = s.eval {
            if let report = ClassificationReport(metrics: eval) {
                line += " | \(s.evalSplitName)" + String(format: " top-1 %.2f", report.top1) + (s.best.map { String(format: " (best %.2f)", $0) } ?? "")
                line += String(format: "  balanced %.2f  ", report.balanced) + report.groupSummary
            } else {
                line += " | \(s.evalSplitName) " + eval.sortedScalars.map { String(format: "%@ %.4f", $0.0, $0.1) }.joined(separator: " ")
                line += s.best.map { String(format: " (best %.2f)", $0) } ?? ""
            }
        }
        log(line)
    }

    /// The bar of the period that starts after `step` steps.
    private func periodBar(startingAfter step: Int, of run: RunStart) -> ProgressBar {
        ProgressBar(total: min(run.stepsPerPeriod, run.totalSteps - step),
                    label: position(step: step + 1, epoch: step / max(1, run.stepsPerEpoch), of: run))
    }

    /// "epoch 3/30" for epoch-based runs, "step 1500/250000" otherwise.
    private func position(step: Int, epoch: Int, of run: RunStart) -> String {
        run.epochBased ? "epoch \(epoch + 1)/\(run.totalSteps / max(1, run.stepsPerEpoch))" : "step \(step)/\(run.totalSteps)"
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
