import Foundation
import TailKit

/// Shows a run on standard error: on a terminal a progress bar per epoch with loss, lr, images/s
/// and time left; in a log file (no terminal) a plain line every 10% of the whole run, at most one
/// per 30 seconds; either way one summary line per epoch.
final class ConsoleProgress: TrainingObserver {
    private var bar: ProgressBar?
    private var totalEpochs = 0
    private var firstEpoch = 0
    private var stepsPerEpoch = 0
    private let quiet: Bool
    private let interactive = ProgressBar.standardErrorIsTerminal

    init(quiet: Bool = false) { self.quiet = quiet }

    func runStarted(state: TrainingState, totalEpochs: Int, stepsPerEpoch: Int) {
        self.totalEpochs = totalEpochs
        firstEpoch = state.epoch
        self.stepsPerEpoch = stepsPerEpoch
        if !quiet {
            // Made before the first step, so that its rate and time left count that step too.
            bar = interactive ? epochBar(state.epoch) : ProgressBar(total: max(0, totalEpochs - state.epoch) * stepsPerEpoch, label: "training")
        }
        if state.epoch > 0 { log("resuming at epoch \(state.epoch + 1) of \(totalEpochs) (best top-1 so far \(String(format: "%.2f", state.bestTop1)))") }
    }

    func stepEnded(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double, lr: Double, imagesPerSecond: Double) {
        guard !quiet else { return }
        let metrics = String(format: "loss %.4f lr %.5f %.0f img/s", loss, lr, imagesPerSecond)
        if interactive {
            bar?.update(step, unit: "step", metrics: metrics)
        } else {
            bar?.update((epoch - firstEpoch) * stepsPerEpoch + step, unit: "step", metrics: "epoch \(epoch + 1)/\(totalEpochs) " + metrics)
        }
    }

    func epochEnded(_ s: EpochSummary, state: TrainingState) throws {
        if interactive && !quiet && state.epoch < totalEpochs { bar = epochBar(state.epoch) }
        log(String(format: "epoch %d/%d  train loss %.4f acc %.2f | test top-1 %.2f (best %.2f)  balanced %.2f  ",
                   s.epoch + 1, totalEpochs, s.trainLoss, s.trainAccuracy, s.test.top1, state.bestTop1, s.test.balanced)
            + s.test.groupSummary)
    }

    private func epochBar(_ epoch: Int) -> ProgressBar {
        ProgressBar(total: stepsPerEpoch, label: "epoch \(epoch + 1)/\(totalEpochs)")
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
