import ArgumentParser
import Torch

/// `tailkit`: one program for long-tailed learning experiments.
@main
struct TailKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tailkit",
        abstract: "Deep learning on class-imbalanced (long-tailed) data, over libtorch.",
        discussion: """
        Start with `tailkit demo` (or `make demo`), which trains on the built-in long-tailed Fashion-MNIST and prints per-group accuracy. `tailkit bench` compares TailKit's speed with Python PyTorch of the same version on this machine.
        """,
        version: VersionInfo.text,
        subcommands: [DemoCommand.self, TrainCommand.self, LaunchCommand.self, PretrainCommand.self, PLLCommand.self, SSLCommand.self, PseudoLabelCommand.self, EvalCommand.self,
                      PredictCommand.self, ReportCommand.self, DashboardCommand.self, DataCommand.self, BenchCommand.self]
    )
}
