import Foundation
import TailData
import TailReport
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
///
/// The quick budget fits a time limit: a few training steps measure this machine's speed, and
/// `DemoPlan` picks the most epochs per run whose estimate stays well inside the limit. Its runs
/// decay the lr to zero (cosine) and the table reports the mean test accuracy of the last
/// epochs, where the lr is low, so one lucky or unlucky epoch does not decide it; the best
/// epoch's top-1 (the reference's "Best Prec@1") stands beside it.
public struct DemoExperiment {
    public enum Budget: String, CaseIterable, Sendable {
        /// Epochs chosen to fit `timeLimit` (15 minutes by default) on this machine.
        case quick
        /// The paper's schedule: 200 epochs per run and of rotation pre-training.
        case full

        /// The wall-time limit of the whole demo that the quick budget plans for.
        public var timeLimit: TimeInterval? { self == .quick ? 15 * 60 : nil }
        /// quick: cosine decay to zero, so that a short run ends at a low lr; full: the reference's steps.
        var schedule: ScheduleKind { self == .quick ? .cosineToZero : .step }
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
    /// Another data set than the built-in Fashion-MNIST (for tests).
    public var data: LoadedDataset?
    /// Fixed epochs per run (and of pre-training): no speed measurement, no time limit.
    public var epochs: Int?
    public var pretrainEpochs: Int?
    /// The quick budget's limit for the whole demo, from its start to the report.
    public var timeLimit: TimeInterval?
    /// The plan's estimate must stay within this share of the limit; the rest is the margin for
    /// a machine that slows down after the measurement.
    public var planShare = 0.7
    /// Epochs per run the quick budget chooses from: steps of a sixth or more, so that the few
    /// percent by which two measurements of one machine differ seldom change the choice, and so
    /// the table (the idle 2-core machine, 860-900 img/s, gets 6 whether it measures 15% faster
    /// or 15% slower; with every count from 3 to 12 it would flip between 6 and 7).
    public var epochChoices = [3, 4, 5, 6, 8, 10, 12]

    public init(budget: Budget) {
        self.budget = budget
        timeLimit = budget.timeLimit
    }

    public struct Row: Codable, Sendable {
        public var method: String
        public var sampling: String
        /// Test accuracy (%) averaged over the last `averagedEpochs` epochs.
        public var top1: Double
        public var many: Double
        public var medium: Double
        public var few: Double
        public var balanced: Double
        /// The best epoch's test top-1 and that epoch (1-based): the reference train.py's "Best Prec@1".
        public var best: Double
        public var bestEpoch: Int
        public var epochs: Int
        public var averagedEpochs: Int
        /// Test top-1 after every epoch.
        public var top1ByEpoch: [Double]
        public var runFolder: String

        init(method: String, sampling: String, history: [ClassificationReport], averagedEpochs: Int, runFolder: String) {
            self.method = method
            self.sampling = sampling
            let last = history.suffix(averagedEpochs)
            func mean(_ value: (ClassificationReport) -> Double) -> Double { last.map(value).reduce(0, +) / Double(max(1, last.count)) }
            top1 = mean(\.top1)
            many = mean(\.many)
            medium = mean(\.medium)
            few = mean(\.few)
            balanced = mean(\.balanced)
            let curve = history.map(\.top1)
            top1ByEpoch = curve
            // The first epoch that reached the best top-1.
            let bestIndex = curve.indices.max { curve[$0] < curve[$1] || (curve[$0] == curve[$1] && $0 > $1) }
            best = bestIndex.map { curve[$0] } ?? 0
            bestEpoch = (bestIndex ?? -1) + 1
            epochs = history.count
            self.averagedEpochs = last.count
            self.runFolder = runFolder
        }
    }

    public struct Result {
        public var rows: [Row]
        public var reportPath: String
        public var pseudoLabelAccuracy: Double?
        public var plan: DemoPlan
        /// Wall time of the whole demo.
        public var seconds: Double
    }

    /// The epochs the table averages: the last quarter (rounded, at least one) of a quick run,
    /// where the cosine decay has brought the lr to a quarter of its peak or less; the last tenth
    /// of a full run (the reference schedule's final lr).
    public static func averagedEpochs(of epochs: Int, budget: Budget) -> Int {
        let share = budget == .quick ? 0.25 : 0.1
        return min(epochs, max(1, Int((Double(epochs) * share).rounded())))
    }

    /// Runs every arm in turn; `hooks` (e.g. a progress bar) watch each supervised run and
    /// `log` receives one line per phase.
    public func run(hooks: () -> [TrainerHook], log: (String) -> Void) throws -> Result {
        let started = Date()
        let data = try self.data ?? LoadedDataset.load(.fmnist, dataDir: nil)
        let lt = try data.longTailed(imbFactor: imbFactor, imbType: "exp", seed: seed, holdOut: holdOut)
        // The reference picks the added images by the pool's true labels, so they are known before
        // the CE model that labels them exists: the plan counts them and only they get labeled.
        let selection = try selfTrainingSet(data, targets: [Int](repeating: 0, count: data.train.count), model: nil)
        let plan = try makePlan(labeled: lt.set, added: selection.selected.count, data: data, spent: Date().timeIntervalSince(started))
        let averaged = Self.averagedEpochs(of: plan.epochs, budget: budget)
        log("Fashion-MNIST-LT: \(lt.set.count) labeled images (\(lt.counts.first ?? 0) ... \(lt.counts.last ?? 0) per class), rho = \(Int(1 / imbFactor))")
        log("demo: " + plan.summary(batchSize: TrainConfig().batchSize))
        if let limit = plan.limitSeconds, plan.estimatedSeconds > limit, let busy = Self.busyMachineNote() { log("demo: " + busy) }
        if plan.limitSeconds != nil { log("demo: `tailkit demo --epochs \(plan.epochs)` repeats this schedule") }
        var rows: [Row] = [], embeddings: [(String, any ClassifierModel)] = []
        let runCount = 6

        func train(_ method: String, balanced: Bool, set: ImageSet, initial: InitialWeights? = nil) throws -> any ClassifierModel {
            var config = TrainConfig()
            config.imbFactor = imbFactor
            config.holdOut = holdOut
            config.epochs = plan.epochs
            config.schedule = budget.schedule
            config.seed = seed
            config.rule = balanced ? .resample : .none
            let sampling = balanced ? "balanced" : "uniform"
            let folder = "\(outDir)/\(Self.folderName(method))_\(sampling)"
            log("demo: \(method) (\(balanced ? "class-balanced" : "uniform") sampling) -> \(folder)")
            let task = try SupervisedTask(config: config, train: set, test: data.test, normalization: data.normalization,
                                          initialWeights: initial, groupCounts: lt.counts)
            let trainer = try task.makeTrainer()
            let recorder = EvaluationRecorder()
            let runFolder = try RunFolder(path: folder, configYAML: config.yaml(),
                                          counts: ClassCountsFile(classNames: data.train.classNames, trainCounts: set.classCounts(),
                                                                  testCounts: data.test.classCounts()))
            trainer.hooks = hooks() + runFolder.standardHooks(config: config, classNames: data.train.classNames) + [recorder]
            try trainer.run()
            guard !recorder.history.isEmpty else { throw TailKitError.invalidOption("demo run \(folder) trained no epoch") }
            let row = Row(method: method, sampling: sampling, history: recorder.history, averagedEpochs: averaged, runFolder: folder)
            rows.append(row)
            log(String(format: "demo: %@, %@: top-1 %.2f (mean of the last %d epochs), best %.2f (epoch %d); %d of %d runs done after %@",
                       method, sampling, row.top1, row.averagedEpochs, row.best, row.bestEpoch, rows.count, runCount,
                       ProgressBar.clock(Date().timeIntervalSince(started))))
            return task.model
        }

        // 1. Plain CE: the baseline, and the base classifier that pseudo-labels the pool.
        let ce = try train("CE", balanced: false, set: lt.set)
        embeddings.append(("CE", ce))
        _ = try train("CE", balanced: true, set: lt.set)

        // 2. Extra unlabeled data: pseudo-label the added pool images with the CE model, D_U@k×
        //    images with rho_U = rho, train from scratch on the union (Yang & Xu 2020, `train_semi.py`
        //    with `dataset/imbalance_cifar.py`'s `SemiSupervisedImbalanceCIFAR10`).
        log("demo: pseudo-labeling \(selection.selected.count) held-out images with the CE model")
        let semi = try selfTrainingSet(data, targets: nil, model: ce, selected: selection.selected)
        log("demo: \(semi.selected.count) pseudo-labeled images join; their labels are \(String(format: "%.1f", semi.quality?.accuracy ?? 0))% right")
        embeddings.append(("CE + unlabeled", try train("CE + unlabeled", balanced: false, set: semi.train)))
        _ = try train("CE + unlabeled", balanced: true, set: semi.train)

        // 3. Self-supervised pre-training: rotation on the labeled images without their labels,
        //    then the same supervised runs starting from that backbone (Yang & Xu 2020,
        //    `pretrain_rot.py`, then `train.py --pretrained_model`).
        let ssp = try pretrainRotation(lt.set, epochs: plan.pretrainEpochs, data: data, log: log)
        embeddings.append(("CE + SSP", try train("CE + SSP", balanced: false, set: lt.set, initial: ssp)))
        _ = try train("CE + SSP", balanced: true, set: lt.set, initial: ssp)

        let points = tsnePointsInTime(plan, elapsed: Date().timeIntervalSince(started), log: log)
        log("demo: t-SNE of the features of \(points) test images")
        let pictures = try embeddings.map { name, model in try tsnePicture(name, model: model, points: points, data: data) }
        let report = "\(outDir)/report.html"
        try DemoReport(rows: rows, labeledCounts: lt.counts, classNames: data.train.classNames, budget: budget, plan: plan,
                       pseudoLabels: semi.quality, unlabeledCount: semi.selected.count, tsne: pictures).write(to: report)
        try AtomicFile.write([UInt8](try JSONEncoder.sorted.encode(rows)), to: "\(outDir)/results.json")
        let seconds = Date().timeIntervalSince(started)
        log("demo: finished in \(ProgressBar.clock(seconds))" + (plan.speed == nil ? "" : " (estimated \(ProgressBar.clock(plan.estimatedSeconds)))"))
        return Result(rows: rows, reportPath: report, pseudoLabelAccuracy: semi.quality?.accuracy, plan: plan, seconds: seconds)
    }

    /// The self-training set. Without a model: the selection only, with placeholder labels. With
    /// the CE model: the `selected` pool images labeled by it (the others are never read).
    private func selfTrainingSet(_ data: LoadedDataset, targets: [Int]?, model: (any ClassifierModel)?,
                                 selected: [Int] = []) throws -> SelfTrainingSet {
        var labels = targets ?? [Int](repeating: -1, count: data.train.count)
        if let model {
            let predicted = try PseudoLabeler(model: model, normalization: data.normalization).label(data.train.subset(selected)).labels
            for (i, p) in zip(selected, predicted) { labels[i] = p }
        }
        let set = try SelfTrainingSet.build(data: data, imbFactor: imbFactor, imbType: "exp", seed: seed, holdOut: holdOut,
                                            source: .remainder,
                                            pseudoLabels: PseudoLabels(targets: labels, predictionModel: model == nil ? nil : "CE"),
                                            pseudoLabelPath: "demo pseudo-labels", unlabeledImbFactor: imbFactor,
                                            sizeFactor: unlabeledRatio)
        if model != nil, set.selected != selected {
            throw TailKitError.invalidOption("demo: the self-training selection changed between planning and training")
        }
        return set
    }

    /// The quick budget's plan for its time limit; with fixed epochs or the full budget, the
    /// estimate only (the speed is measured either way, so the log says how long the demo takes).
    private func makePlan(labeled: ImageSet, added: Int, data: LoadedDataset, spent: Double) throws -> DemoPlan {
        let workload = DemoPlan.Workload(labeledImages: labeled.count, addedImages: added, testImages: data.test.count,
                                         tsnePictures: 3, tsnePoints: min(tsnePoints, data.test.count),
                                         batchSize: TrainConfig().batchSize)
        let measuredAt = Date()
        let speed = try measureSpeed(labeled, test: data.test, normalization: data.normalization)
        let before = spent + Date().timeIntervalSince(measuredAt)
        let fixed = epochs ?? (budget == .full ? 200 : nil)
        guard fixed == nil, let limit = timeLimit else {
            let e = fixed ?? epochChoices.max() ?? 12, p = pretrainEpochs ?? e
            return DemoPlan(epochs: e, pretrainEpochs: p,
                            estimatedSeconds: before + DemoPlan.estimate(epochs: e, pretrainEpochs: p, workload: workload, speed: speed),
                            limitSeconds: nil, speed: speed, workload: workload)
        }
        var plan = DemoPlan.choose(workload: workload, speed: speed, limitSeconds: limit, share: planShare, spent: before,
                                   choices: epochChoices)
        if let p = pretrainEpochs {
            plan.pretrainEpochs = p
            plan.estimatedSeconds = before + DemoPlan.estimate(epochs: plan.epochs, pretrainEpochs: p, workload: workload, speed: speed)
        }
        return plan
    }

    /// "load average 5.9 on 2 cores ..." when more programs want the cores than there are, the
    /// demo's own (up to about one, averaged over the last minute) aside.
    static func busyMachineNote() -> String? {
        var load = [Double](repeating: 0, count: 3)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard getloadavg(&load, 3) == 3, load[0] > Double(cores + 1) else { return nil }
        return String(format: "load average %.1f on %d cores (this demo included): other programs are using them", load[0], cores)
    }

    /// Seconds per training step and per evaluated image on this machine: a throw-away run of
    /// the demo's model on up to 12 batches of the labeled images (the first 3 steps, which build
    /// the kernels, not timed) and its evaluation of up to 2048 test images.
    private func measureSpeed(_ set: ImageSet, test: ImageSet, normalization: ImageNormalization) throws -> DemoPlan.Speed {
        var config = TrainConfig()
        config.epochs = 1
        config.seed = seed
        let train = set.subset(Array(0..<min(set.count, 12 * config.batchSize)))
        let probe = test.subset(Array(0..<min(test.count, 2048)))
        let trainer = try SupervisedTask(config: config, train: train, test: probe, normalization: normalization).makeTrainer()
        let clock = StepClock()
        trainer.hooks = [clock]
        try trainer.run()
        return clock.speed(evaluatedImages: probe.count)
    }

    private func pretrainRotation(_ set: ImageSet, epochs: Int, data: LoadedDataset, log: (String) -> Void) throws -> InitialWeights {
        var config = TrainConfig(task: .rotation)
        config.imbFactor = imbFactor
        config.holdOut = holdOut
        config.epochs = epochs
        config.seed = seed
        let folder = "\(outDir)/rotation_pretraining"
        log("demo: rotation pre-training (\(config.epochs) epochs) -> \(folder)")
        let runFolder = try RunFolder(path: folder, configYAML: config.yaml())
        let task = try RotationPretrainingTask(config: config, train: set, test: nil, normalization: data.normalization)
        let trainer = try task.makeTrainer()
        try withoutActuallyEscaping(log) { log in
            trainer.hooks = runFolder.standardHooks(config: config, classNames: data.train.classNames) + [PretrainLog(log: log)]
            defer { trainer.hooks = [] }
            try trainer.run()
        }
        return InitialWeights(source: runFolder.lastCheckpointPath, arch: config.arch.rawValue, weights: try task.savedStateDict())
    }

    /// `tsnePoints`, or half as many (a quarter of t-SNE's time) when the demo runs so far behind
    /// its estimate that the pictures would end it past its limit: only the pictures give way, never
    /// the runs the table compares.
    private func tsnePointsInTime(_ plan: DemoPlan, elapsed: Double, log: (String) -> Void) -> Int {
        guard let limit = plan.limitSeconds, let speed = plan.speed, let work = plan.workload else { return tsnePoints }
        let pictures = DemoPlan.picturesSeconds(workload: work, points: work.tsnePoints, speed: speed)
        let pace = elapsed / max(1, plan.estimatedSeconds - pictures)
        guard elapsed + pace * pictures > limit, tsnePoints > 100 else { return tsnePoints }
        log(String(format: "demo: %.1fx slower than estimated, so the t-SNE pictures show %d test images instead of %d", pace,
                   tsnePoints / 2, tsnePoints))
        return tsnePoints / 2
    }

    /// The features of a fixed random subset of the test set, embedded in 2-D.
    private func tsnePicture(_ name: String, model: any ClassifierModel, points: Int, data: LoadedDataset) throws -> ScatterPlot {
        var rng = SeededGenerator(seed: UInt64(seed))
        var order = Array(0..<data.test.count)
        rng.shuffle(&order)
        let picked = Array(order.prefix(points)).sorted()
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

    /// The column headers of `table`.
    public static let tableColumns = ["method", "sampling", "top-1", "best", "epoch", "many", "medium", "few"]

    /// The comparison as text: one header line, one line per run.
    public static func table(_ rows: [Row]) -> String {
        func left(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        let widths = [16, 9, 6, 6, 5, 6, 7, 6]
        var lines = [zip(tableColumns, widths).enumerated().map { $0.offset < 2 ? left($0.element.0, $0.element.1) : right($0.element.0, $0.element.1) }
            .joined(separator: " ")]
        for r in rows {
            lines.append(left(r.method, 16) + " " + left(r.sampling, 9)
                + String(format: " %6.2f %6.2f %5d %6.2f %7.2f %6.2f", r.top1, r.best, r.bestEpoch, r.many, r.medium, r.few))
        }
        return lines.joined(separator: "\n")
    }

    /// What the table's columns mean, for the given rows.
    public static func tableLegend(_ rows: [Row]) -> String {
        guard let r = rows.first else { return "" }
        return "top-1, many, medium, few: mean test accuracy (%) of the last \(r.averagedEpochs) of \(r.epochs) epochs; "
            + "best: the best epoch's top-1 and that epoch (the reference's Best Prec@1, picked on the test set)"
    }
}

/// The evaluation of every period (epoch) of one run.
private final class EvaluationRecorder: TrainerHook {
    var history: [ClassificationReport] = []
    func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        if let eval = summary.eval, let report = ClassificationReport(metrics: eval) { history.append(report) }
    }
}

/// When each step and the evaluation of a measuring run end.
private final class StepClock: TrainerHook {
    private var start = Date()
    private var steps: [Date] = []
    private var evaluated: Date?

    func runStarted(_ run: RunStart) throws { start = Date() }
    func stepEnded(_ event: StepEvent) throws { steps.append(Date()) }
    func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws { evaluated = Date() }

    func speed(evaluatedImages: Int) -> DemoPlan.Speed {
        let warm = 3
        let trainEnd = steps.last ?? start
        let perStep = steps.count > warm
            ? trainEnd.timeIntervalSince(steps[warm - 1]) / Double(steps.count - warm)
            : trainEnd.timeIntervalSince(start) / Double(max(1, steps.count))
        let perImage = (evaluated ?? trainEnd).timeIntervalSince(trainEnd) / Double(max(1, evaluatedImages))
        return DemoPlan.Speed(secondsPerStep: max(perStep, 1e-4), secondsPerEvalImage: max(perImage, 1e-6))
    }
}

/// One log line per rotation pre-training epoch.
private final class PretrainLog: TrainerHook {
    private let log: (String) -> Void
    private let start = Date()
    private var totalEpochs = 0

    init(log: @escaping (String) -> Void) { self.log = log }

    func runStarted(_ run: RunStart) throws { totalEpochs = run.totalSteps / max(1, run.stepsPerEpoch) }
    func periodEnded(_ s: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        log(String(format: "rotation epoch %d/%d  loss %.4f  rotations right %.2f%%  lr %.5f  %.0f img/s  (%@)", s.epoch + 1, totalEpochs,
                   s.train["loss"] ?? 0, s.train["accuracy"] ?? 0, s.lr, s.imagesPerSecond, ProgressBar.clock(Date().timeIntervalSince(start))))
    }
}
