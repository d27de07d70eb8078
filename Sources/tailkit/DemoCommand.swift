import ArgumentParser
import Foundation
import TailKit
import Torch

/// `tailkit demo` (what `make demo` runs).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The value of labels on the built-in Fashion-MNIST-LT, one command.",
        discussion: """
        Builds Fashion-MNIST-LT (rho = 200: 2700 images of the first class down to 13 of the last; 55% of every class is held out as an unlabeled pool) and trains a ResNet-32 six ways: plain cross entropy (CE), CE with extra unlabeled data (self-training on pseudo-labels from the CE model, rho_U = rho), and CE after rotation self-supervised pre-training (SSP), each with uniform and with class-balanced sampling. Prints overall and many/medium/few accuracy on the balanced test set (the mean of the last epochs, whose lr is low) beside the best epoch's top-1, and writes one report.html with the table, the accuracy curves, t-SNE plots of the learned features and links to every run's folder under --out.

        --budget quick (the default) first times a few training steps, then runs as many epochs (3 to 12) as fit --minutes with a 30% margin, and prints its choice; --epochs N fixes the epochs instead. --budget full follows the paper's 200-epoch schedule.
        """
    )

    @Option(help: "quick (fits --minutes) or full (the paper's 200 epochs).") var budget = "quick"
    @Option(help: "Wall-time limit of the quick budget, in minutes.") var minutes = 15.0
    @Option(help: "Epochs per run (and of rotation pre-training), instead of fitting --minutes.") var epochs: Int?
    @Option(help: "Where the runs go.") var out = "runs/demo"
    @Option(help: "libtorch threads (default: all cores).") var threads: Int?

    func validate() throws {
        guard minutes > 0, minutes.isFinite else { throw ValidationError("--minutes \(minutes) must be positive") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs \(epochs) must be at least 1") }
    }

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            guard let b = DemoExperiment.Budget(rawValue: budget) else {
                throw ValidationError("unknown budget '\(budget)'; valid budgets: quick, full")
            }
            var demo = DemoExperiment(budget: b)
            demo.outDir = out
            demo.epochs = epochs
            if b == .quick { demo.timeLimit = minutes * 60 }
            let result = try demo.run(hooks: { [ConsoleProgress()] }, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            print("\nFashion-MNIST-LT, rho = \(Int(1 / demo.imbFactor)), ResNet-32, \(b.rawValue) budget, \(result.plan.epochs) epochs per run: test accuracy (%)")
            print(DemoExperiment.table(result.rows))
            print(DemoExperiment.tableLegend(result.rows))
            print("report: \(result.reportPath)")
        }
    }
}
