import Foundation
import TailData
import Torch
import TorchNN

/// `tailkit demo`: the paper's two findings on the built-in Fashion-MNIST-LT in one command —
/// extra unlabeled data (self-training with pseudo-labels) and self-supervised pre-training
/// (rotation) each against plain CE, with uniform and class-balanced sampling — plus t-SNE
/// pictures of the learned features, all in one report.html.
///
/// Fashion-MNIST has no separate unlabeled split, so 55% of every class is held out as the
/// unlabeled pool (`--hold-out 0.55`); the long-tailed labeled set comes from the rest with
/// ρ = 200 (2700 images of the first class down to 13 of the last), so that every shot group has
/// classes (6 many, 3 medium, 1 few) and the pool can supply D_U@1× at ρ_U = ρ. Every arm uses
/// that same labeled set and the same seed.
public struct DemoExperiment {
    public enum Budget: String, CaseIterable, Sendable {
        /// About 15 minutes on a 2-core machine.
        case quick
        /// The paper's schedule: 200 epochs per run and of rotation pre-training.
        case full

        var epochs: Int { self == .quick ? 5 : 200 }
        var pretrainEpochs: Int { self == .quick ? 4 : 200 }
    }

    public var budget: Budget
    public var imbFactor = 0.005
    public var holdOut = 0.55
    /// D_U@k×: the held-out images can supply k = 1 at ρ_U = ρ (the head class asks for 2704 of 3300).
    public var unlabeledRatio = 1
    public var seed = 0
    public var outDir = "runs/demo"
    /// Test images shown in each t-SNE picture.
    public var tsnePoints = 1000
    /// Another data set than the built-in Fashion-MNIST, and other epoch counts (for tests).
    public var data: LoadedDataset?
    public var epochs: Int?
    public var pretrainEpochs: Int?

    public init(budget: Budget) { self.budget = budget }

    public struct Row: Codable, Sendable {
        public var method: String
        public var sampling: String
        public var top1: Double
        public var many: Double
        public var medium: Double
        public var few: Double
        public var balanced: Double
        public var runFolder: String
    }

    public struct Result {
        public var rows: [Row]
        public var reportPath: String
        public var pseudoLabelAccuracy: Double?
    }

    private struct Arm {
        let method: String
        let balanced: Bool
        let folder: String
    }

    /// Runs every arm in turn; `observers` (e.g. a progress bar) watch each supervised run and
    /// `log` receives one line per phase.
    public func run(observers: () -> [TrainingObserver], log: (String) -> Void) throws -> Result {
        let data = try self.data ?? LoadedDataset.load(.fmnist, dataDir: nil)
        let epochs = self.epochs ?? budget.epochs
        let lt = try data.longTailed(imbFactor: imbFactor, imbType: "exp", seed: seed, holdOut: holdOut)
        log("Fashion-MNIST-LT: \(lt.set.count) labeled images (\(lt.counts.first ?? 0) ... \(lt.counts.last ?? 0) per class), rho = \(Int(1 / imbFactor)); \(epochs) epochs per run")
        var rows: [Row] = [], embeddings: [(String, any ClassifierModel)] = []

        func train(_ method: String, balanced: Bool, set: ImageSet, initial: InitialWeights? = nil) throws -> any ClassifierModel {
            var config = TrainConfig()
            config.imbFactor = imbFactor
            config.holdOut = holdOut
            config.epochs = epochs
            config.seed = seed
            config.rule = balanced ? .resample : .none
            let arm = Arm(method: method, balanced: balanced,
                          folder: "\(outDir)/\(Self.folderName(method))_\(balanced ? "balanced" : "uniform")")
            log("demo: \(method) (\(balanced ? "class-balanced" : "uniform") sampling) -> \(arm.folder)")
            let trainer = try SupervisedTrainer(config: config, train: set, test: data.test, normalization: data.normalization,
                                                initialWeights: initial, groupCounts: lt.counts)
            trainer.observers = observers() + [try RunFolder(path: arm.folder, trainer: trainer, classNames: data.train.classNames)]
            guard let r = try trainer.run() else { throw TailKitError.invalidOption("demo run \(arm.folder) trained no epoch") }
            rows.append(Row(method: method, sampling: balanced ? "balanced" : "uniform", top1: r.top1, many: r.many,
                            medium: r.medium, few: r.few, balanced: r.balanced, runFolder: arm.folder))
            return trainer.state.model
        }

        // 1. Plain CE: the baseline, and the base classifier that pseudo-labels the pool.
        let ce = try train("CE", balanced: false, set: lt.set)
        embeddings.append(("CE", ce))
        _ = try train("CE", balanced: true, set: lt.set)

        // 2. Extra unlabeled data: pseudo-label the held-out pool with the CE model, add D_U@k×
        //    images with rho_U = rho, train from scratch on the union (ISS 1.3, 4.2).
        log("demo: pseudo-labeling the held-out pool with the CE model")
        let labels = try PseudoLabeler(model: ce, normalization: data.normalization).label(data.train)
        let semi = try SelfTrainingSet.build(data: data, imbFactor: imbFactor, imbType: "exp", seed: seed, holdOut: holdOut,
                                             source: .remainder, pseudoLabels: PseudoLabels(targets: labels.labels, predictionModel: "CE"),
                                             pseudoLabelPath: "demo pseudo-labels", unlabeledImbFactor: imbFactor,
                                             sizeFactor: unlabeledRatio)
        log("demo: \(semi.selected.count) pseudo-labeled images join; their labels are \(String(format: "%.1f", semi.quality?.accuracy ?? 0))% right")
        embeddings.append(("CE + unlabeled", try train("CE + unlabeled", balanced: false, set: semi.train)))
        _ = try train("CE + unlabeled", balanced: true, set: semi.train)

        // 3. Self-supervised pre-training: rotation on the labeled images without their labels,
        //    then the same supervised runs starting from that backbone (ISS 4.4, 4.5).
        let ssp = try pretrainRotation(lt.set, data: data, log: log)
        embeddings.append(("CE + SSP", try train("CE + SSP", balanced: false, set: lt.set, initial: ssp)))
        _ = try train("CE + SSP", balanced: true, set: lt.set, initial: ssp)

        log("demo: t-SNE of the test features")
        let pictures = try embeddings.map { name, model in try tsnePicture(name, model: model, data: data) }
        let report = "\(outDir)/report.html"
        try DemoReport(rows: rows, labeledCounts: lt.counts, classNames: data.train.classNames, budget: budget, epochs: epochs,
                       pseudoLabels: semi.quality, unlabeledCount: semi.selected.count, tsne: pictures).write(to: report)
        try AtomicFile.write([UInt8](try JSONEncoder.sorted.encode(rows)), to: "\(outDir)/results.json")
        return Result(rows: rows, reportPath: report, pseudoLabelAccuracy: semi.quality?.accuracy)
    }

    private func pretrainRotation(_ set: ImageSet, data: LoadedDataset, log: (String) -> Void) throws -> InitialWeights {
        var config = PretrainConfig(method: .rotation)
        config.imbFactor = imbFactor
        config.epochs = pretrainEpochs ?? budget.pretrainEpochs
        config.seed = seed
        let folder = "\(outDir)/rotation_pretraining"
        log("demo: rotation pre-training (\(config.epochs) epochs) -> \(folder)")
        let runFolder = try PretrainRunFolder(path: folder, config: config)
        let trainer = try RotationPretrainer(config: config, train: set, test: nil, normalization: data.normalization)
        trainer.observers = [runFolder]
        try trainer.run()
        return InitialWeights(source: runFolder.checkpointPath, arch: config.arch.rawValue, weights: try trainer.checkpoint().stateDict)
    }

    /// The features of a fixed random subset of the test set, embedded in 2-D.
    private func tsnePicture(_ name: String, model: any ClassifierModel, data: LoadedDataset) throws -> ScatterPlot {
        var rng = SeededGenerator(seed: UInt64(seed))
        let picked = Array((0..<data.test.count).shuffled(using: &rng).prefix(tsnePoints)).sorted()
        let subset = data.test.subset(picked)
        let features = try Evaluator(normalization: data.normalization).run(model, on: subset, keepFeatures: true).features
        // t-SNE needs perplexity < (N - 1) / 3; 30 for the usual 1000 points.
        let perplexity = min(30, Double(features.count - 1) / 3 - 1)
        let points = try TSNE(perplexity: perplexity, iterations: 1000, seed: UInt64(seed)).embed(features)
        return ScatterPlot(title: name, points: zip(points, subset.labels).map { ScatterPlot.Point(x: $0.0.x, y: $0.0.y, classIndex: $0.1) },
                           classNames: data.test.classNames)
    }

    /// "CE + unlabeled" -> "ce_unlabeled".
    static func folderName(_ method: String) -> String {
        method.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "_")
    }

    public static func table(_ rows: [Row]) -> String {
        var lines = ["method           sampling   top-1   many  medium    few  balanced"]
        for r in rows {
            lines.append(String(format: "%@ %@ %6.2f %6.2f %7.2f %6.2f %9.2f", r.method.padding(toLength: 16, withPad: " ", startingAt: 0),
                                r.sampling.padding(toLength: 9, withPad: " ", startingAt: 0), r.top1, r.many, r.medium, r.few, r.balanced))
        }
        return lines.joined(separator: "\n")
    }
}
