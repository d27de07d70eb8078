import ArgumentParser
import Foundation
import TailKit
import Torch

/// `tailkit demo` (what `make demo` runs).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Long-tailed learning on the built-in Fashion-MNIST, one command.",
        discussion: """
        Builds Fashion-MNIST-LT (rho = 100: 6000 images of the first class down to 60 of the last), trains a ResNet-32 with plain cross entropy, with deferred re-weighting (DRW) and with LDAM + DRW, and prints overall and many/medium/few accuracy on the balanced test set. Each run has its own folder under --out with logs, TensorBoard events, checkpoints and report.html. --budget quick takes about 15 minutes on 2 cores; --budget full follows the paper's 200-epoch schedule.
        """
    )

    @Option(help: "quick (about 15 minutes on 2 cores) or full (the paper's 200 epochs).") var budget = "quick"
    @Option(help: "Where the runs go.") var out = "runs/demo"
    @Option(help: "libtorch threads (default: all cores).") var threads: Int?

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            guard let b = DemoExperiment.Budget(rawValue: budget) else {
                throw ValidationError("unknown budget '\(budget)'; valid budgets: quick, full")
            }
            var demo = DemoExperiment(budget: b)
            demo.outDir = out
            let rows = try demo.run(observers: { [ConsoleProgress()] })
            print("\nFashion-MNIST-LT, rho = 100, ResNet-32, \(b.rawValue) budget: test accuracy (%)")
            print(DemoExperiment.table(rows))
            print("results: \(out)/results.json; per-run reports: " + rows.map { "\($0.runFolder)/report.html" }.joined(separator: ", "))
        }
    }
}
