import Foundation
import TailData
import Torch

/// `tailkit demo`: long-tailed learning on the built-in Fashion-MNIST in one command. Each arm is a
/// full supervised run (own run folder); the demo prints and saves one comparison table.
public struct DemoExperiment {
    public enum Budget: String, CaseIterable, Sendable {
        /// Fits in about 15 minutes on a 2-core machine.
        case quick
        /// The paper's schedule: 200 epochs per arm.
        case full

        var epochs: Int { self == .quick ? 6 : 200 }
    }

    public struct Arm: Sendable {
        public var name: String
        public var loss: LossKind
        public var rule: TrainRule
    }

    public static let arms = [
        Arm(name: "CE", loss: .ce, rule: .none),
        Arm(name: "CE + DRW", loss: .ce, rule: .drw),
        Arm(name: "LDAM + DRW", loss: .ldam, rule: .drw),
    ]

    public var budget: Budget
    public var imbFactor = 0.01
    public var seed = 0
    public var outDir = "runs/demo"

    public init(budget: Budget) { self.budget = budget }

    public struct Row: Codable, Sendable {
        public var arm: String
        public var top1: Double
        public var many: Double
        public var medium: Double
        public var few: Double
        public var balanced: Double
        public var runFolder: String
    }

    /// Runs every arm in turn; `observers` (e.g. a progress bar) watch each run.
    public func run(observers: () -> [TrainingObserver]) throws -> [Row] {
        let data = try LoadedDataset.load(.fmnist, dataDir: nil)
        let lt = try data.longTailed(imbFactor: imbFactor, imbType: "exp", seed: seed)
        var rows: [Row] = []
        for arm in Self.arms {
            var config = TrainConfig()
            config.dataset = "fmnist"
            config.imbFactor = imbFactor
            config.loss = arm.loss
            config.rule = arm.rule
            config.epochs = budget.epochs
            config.seed = seed
            let trainer = try SupervisedTrainer(config: config, train: lt.set, test: data.test, normalization: data.normalization)
            let folderPath = "\(outDir)/\(arm.loss.rawValue)_\(arm.rule.rawValue)"
            let folder = try RunFolder(path: folderPath, trainer: trainer, classNames: data.train.classNames)
            trainer.observers = observers() + [folder]
            FileHandle.standardError.write(Data("demo: \(arm.name) (\(budget.epochs) epochs) -> \(folderPath)\n".utf8))
            guard let r = try trainer.run() else { continue }
            rows.append(Row(arm: arm.name, top1: r.top1, many: r.many, medium: r.medium, few: r.few, balanced: r.balanced,
                            runFolder: folderPath))
        }
        try AtomicFile.write([UInt8](try JSONEncoder.sorted.encode(rows)), to: "\(outDir)/results.json")
        return rows
    }

    public static func table(_ rows: [Row]) -> String {
        var lines = ["method         top-1   many  medium    few  balanced"]
        for r in rows {
            lines.append(String(format: "%@ %6.2f %6.2f %7.2f %6.2f %9.2f", r.arm.padding(toLength: 13, withPad: " ", startingAt: 0),
                                r.top1, r.many, r.medium, r.few, r.balanced))
        }
        return lines.joined(separator: "\n")
    }
}
