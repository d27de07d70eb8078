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
        Builds Fashion-MNIST-LT (rho = 200: 2700 images of the first class down to 13 of the last; 55% of every class is held out as an unlabeled pool) and trains a ResNet-32 six ways: plain cross entropy (CE), CE with extra unlabeled data (self-training on pseudo-labels from the CE model, rho_U = rho), and CE after rotation self-supervised pre-training (SSP), each with uniform and with class-balanced sampling. Prints overall and many/medium/few accuracy on the balanced test set, and writes one report.html with the table and t-SNE plots of the learned features. Every run also has its own folder under --out.

        --budget quick takes about 15 minutes on 2 cores; --budget full follows the paper's 200-epoch schedule.
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
            let result = try demo.run(observers: { [ConsoleProgress()] }, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            print("\nFashion-MNIST-LT, rho = \(Int(1 / demo.imbFactor)), ResNet-32, \(b.rawValue) budget: test accuracy (%)")
            print(DemoExperiment.table(result.rows))
            print("report: \(result.reportPath)")
        }
    }
}
