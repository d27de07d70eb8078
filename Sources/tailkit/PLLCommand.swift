import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch

/// `tailkit pll`: long-tailed partial-label learning (CORR, CORR + RECORDS ± Mixup, SoLar) with a run folder.
struct PLLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pll",
        abstract: "Partial-label learning on long-tailed data: CORR, RECORDS (+ Mixup), SoLar.",
        discussion: """
        Every training image carries a set of candidate labels, one of them true; the method learns which. The long-tailed training set is built as for `tailkit train`; then each false label joins a sample's candidate set with probability --partial-rate q (expected set size 1 + q(C - 1)). With --hierarchical (CIFAR-100 only: CIFAR-100-LT-NU) labels of the true class's superclass join with 8q and the class counts are shuffled with --seed, as RECORDS-LTPLL does. The sets come from the data seed --rand-number (default 0, the only seed the reference ever uses, so the sets are the reference's), are saved as candidates.txt in the run folder, and --candidates FILE brings your own (one line per training sample: its candidate classes, space-separated).

        Methods:
          corr     CORR (ICML 2022): two views, a loss pulling both towards per-sample confidences, confidences re-estimated from the views' geometric mean from epoch --update-start on.
          records  CORR + RECORDS (ICLR 2023): the class prior is read off a momentum mean of the features (--feature-momentum) and divided out before disambiguation and at test time. --mixup adds RECORDS' Mixup term (Beta(4,4), weight --mixup-weight, the reference's --alpha).
          solar    SoLar (NeurIPS 2022): Sinkhorn pseudo-labels (--sinkhorn-lambda) matching an estimated class prior, class-wise small-loss selection (--rho-start/--rho-end over --warmup-epochs), Mixup and consistency terms. Two stages: --estimate-epochs to estimate the prior (run folder estimate/), then a fresh model for --epochs. Defaults follow SoLar's README: CIFAR-10 rho 0.2-0.6, gamma 0.1/0.01, 100 estimation epochs; 100 classes: rho 0.2-0.5, gamma 0.05/0.01, 20.

        Your own data (--dataset folder|csv, as for `tailkit train`): natural class counts unless --imb-factor is given, the test split from DIR/test (or test.csv) else a stratified --test-fraction, saved as split.json in the run folder and reused on --resume.

        Defaults are RECORDS' README command: ResNet-18, SGD lr 0.01, momentum 0.9, weight decay 1e-3, cosine schedule (to lr/1000), 800 epochs, batch 256, views simclr (weak) and records (strong). Each epoch logs the training accuracy, the disambiguation accuracy (share of training samples whose true label has a larger confidence than any other; ties do not count; the truth is never used for learning) and the plausible set size (labels with confidence >= 0.01); evaluation gives top-1, many/medium/few by training counts (>100, 20-100, <20) and SoLar's shot groups (top and bottom third of classes: solar_many/medium/few). The CIFAR-10 test normalisation bug of the reference (CIFAR-100 statistics) is not reproduced.

        Examples:
          tailkit pll --method records --mixup --dataset cifar10 --data-dir data --imb-factor 0.01 --partial-rate 0.3
          tailkit pll --method corr --partial-rate 0.3 --arch resnet32 --epochs 10       (Fashion-MNIST-LT)
          tailkit pll --method solar --dataset cifar100 --data-dir data --partial-rate 0.05 --hierarchical
          tailkit pll --method records --dataset folder --data-dir photos --candidates sets.txt --image-size 64
          tailkit pll --resume runs/RUN
        """
    )

    @Option(help: "Method: \(PartialLabelMethod.validNames).") var method: String?
    @Option(help: "Data set: \(DatasetName.validNames).") var dataset = "fmnist"
    @Option(help: "Folder with the data set's published files (not needed for fmnist).") var dataDir: String?
    @Option(help: "Imbalance factor 1/rho, e.g. 0.01 for rho = 100 (default 0.01; folder/csv: natural counts unless given).") var imbFactor: Double?
    @Option(help: "Imbalance profile: exp or step.") var imbType = "exp"
    @Option(help: "Probability q that each false label joins a candidate set, in (0, 1) (default 0.1).") var partialRate: Double?
    @Flag(help: "CIFAR-100-LT-NU: superclass siblings join with 8q, class counts shuffled with --seed.") var hierarchical = false
    @Option(help: "File of candidate sets (one line per training sample, classes separated by spaces) instead of generated ones.") var candidates: String?
    @Option(help: "First epoch (from 0) whose confidences are updated (default 1).") var updateStart: Int?
    @Option(help: "RECORDS: momentum of the feature mean (default 0.9).") var featureMomentum: Double?
    @Flag(help: "RECORDS: add the Mixup term.") var mixup = false
    @Option(help: "RECORDS: weight of the Mixup term (the reference's --alpha, default 1).") var mixupWeight: Double?
    @Option(help: "SoLar: batches of predictions in the Sinkhorn queue (default 64).") var queueBatches: Int?
    @Option(help: "SoLar: Sinkhorn power lambda (default 3).") var sinkhornLambda: Double?
    @Option(help: "SoLar: final weight of the selected samples' losses (default 0.9).") var eta: Double?
    @Option(help: "SoLar: agreement above which a sample is always selected (default 0.99).") var tau: Double?
    @Option(help: "SoLar: selected share at epoch 0.") var rhoStart: Double?
    @Option(help: "SoLar: selected share after the warm-up.") var rhoEnd: Double?
    @Option(help: "SoLar: prior update rate of the estimation stage.") var gammaEstimate: Double?
    @Option(help: "SoLar: prior update rate of the final stage.") var gammaFinal: Double?
    @Option(help: "SoLar: epochs over which rho and eta ramp up (default 50).") var warmupEpochs: Int?
    @Option(help: "SoLar: epochs of the prior-estimation stage.") var estimateEpochs: Int?
    @Option(help: "Network: \(Architecture.validNames) (default resnet18, the reference's).") var arch: String?
    @Option(help: "Epochs (default 800).") var epochs: Int?
    @Option(help: "Base learning rate (default 0.01).") var lr: Double?
    @Option(help: "Batch size (default 256; the last partial batch is dropped).") var batchSize: Int?
    @Option(help: "Weight decay (default 1e-3).") var wd: Double?
    @Option(help: "LR schedule: cosine (default), cosine-to-zero or step.") var schedule: String?
    @Option(help: "Data seed: the long-tailed subset and the candidate sets (default 0, as the reference).") var randNumber = 0
    @Option(help: "Seed of the initial weights, batches, augmentations and Mixup draws (default 0).") var seed = 0
    @Flag(help: "Pad Fashion-MNIST / MNIST from 28x28 to 32x32.") var pad32 = false
    @Option(help: "Image side for folder and csv data sets (decoded and resized in memory; default 64).") var imageSize: Int?
    @Option(help: "folder/csv without a test part: each class's share of the stratified test split (default 0.2).") var testFraction: Double?
    @Option(help: "Data loader threads (default 2).") var workers: Int?
    @Option(help: "Device: cpu, cuda or cuda:N.") var device: String?
    @Option(help: "Precision of the forward passes: fp32 (default), bf16 (autocast on the CPU's bf16 units or a GPU), fp16 (autocast + loss scaling, CUDA only). Checkpoints stay fp32.") var precision: String?
    @Option(help: "libtorch threads (default: all cores).") var threads: Int?
    @Option(help: "Run folder to continue after a crash or Ctrl-C; its own config and candidate sets are used.") var resume: String?
    @Option(help: "Run folder (default runs/pll_<method>_<dataset>_<arch>_<imb-factor>_q<rate>_<seed>).") var out: String?

    func validate() throws {
        if (method == nil) == (resume == nil) { throw ValidationError("give --method (\(PartialLabelMethod.validNames)), or --resume RUN") }
    }

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            let (run, folder, resuming) = try resolve()
            // A user's data set: the split saved in the run folder on its first start is reused on resume.
            let splitPath = "\(folder)/\(OwnDataSplit.fileName)"
            let loaded = try LoadedDataset.load(for: run.base, splitFile: resuming ? splitPath : nil)
            let candidatesPath = "\(folder)/\(CandidateSetFile.fileName)"
            let data = try PartialLabelData.make(from: loaded, config: run.base, pll: run.pll,
                                                 candidatesFile: resuming ? candidatesPath : nil)
            let runFolder = try RunFolder(path: folder, configYAML: run.yaml(),
                                          counts: ClassCountsFile(classNames: loaded.train.classNames, trainCounts: data.train.classCounts(),
                                                                  testCounts: data.test.classCounts()))
            if !resuming {
                try CandidateSetFile.write(data.candidates, to: candidatesPath)
                if let split = loaded.ownSplit { try split.write(to: splitPath) }
            }
            let counts = data.train.classCounts()
            FileHandle.standardError.write(Data(String(format: "%@ on %d images (%d ... %d per class), mean candidate-set size %.2f, run folder %@\n",
                                                       run.pll.method.rawValue, data.train.count, counts.max() ?? 0, counts.min() ?? 0,
                                                       data.candidates.averageSetSize(), folder).utf8))
            let summary: PeriodSummary?
            if run.pll.method == .solar {
                summary = try trainSoLar(run, data: data, final: runFolder, classNames: loaded.train.classNames)
            } else {
                let task = try PartialLabelTask(config: run, data: data)
                summary = try train(task.makeTrainer(), folder: runFolder, settings: run.base.yamlSettings() + run.pll.yamlSettings(),
                                    classNames: loaded.train.classNames, from: resuming ? try? Checkpoint.read(from: runFolder.lastCheckpointPath) : nil)
            }
            guard let last = summary else { print("nothing to do: the run had already finished"); return }
            if let eval = last.eval, let report = ClassificationReport(metrics: eval) { print(report.table(classNames: loaded.train.classNames)) }
            if let e = last.eval?.scalars {
                print(String(format: "disambiguation %.2f%% of training samples, plausible set size %.2f; SoLar groups many %.2f medium %.2f few %.2f",
                             e["disambiguation"] ?? 0, e["plausible_set_size"] ?? 0, e["solar_many"] ?? 0, e["solar_medium"] ?? 0, e["solar_few"] ?? 0))
            }
            print("best top-1 \(String(format: "%.2f", last.best ?? 0)); report: \(runFolder.reportPath)")
        }
    }

    private func train<T: TrainingTask>(_ trainer: Trainer<T>, folder: RunFolder, settings: [(String, String)], classNames: [String],
                                        from checkpoint: Checkpoint?) throws -> PeriodSummary? {
        if let checkpoint { try trainer.restore(from: checkpoint) }
        trainer.hooks = folder.standardHooks(settings: settings, classNames: classNames) + [ConsoleProgress()]
        trainer.stopSignal = StopSignal.install()
        return try trainer.run()
    }

    /// SoLar's two stages: the prior estimation in RUN/estimate, then the final model in RUN; either
    /// resumes from its own last.ckpt.
    private func trainSoLar(_ run: PartialLabelRunConfig, data: PartialLabelData, final: RunFolder, classNames: [String]) throws -> PeriodSummary? {
        let settings = run.base.yamlSettings() + run.pll.yamlSettings()
        let folder = final.path
        let finalCheckpoint = try? Checkpoint.read(from: final.lastCheckpointPath)
        var prior: [Double]?
        if finalCheckpoint == nil {
            let estimate = try RunFolder(path: "\(folder)/estimate", configYAML: run.yaml())
            let task = try SoLarTask(config: run, data: data, stage: .estimate, prior: nil)
            FileHandle.standardError.write(Data("SoLar stage 1: estimating the class prior over \(task.epochs) epochs (\(estimate.path))\n".utf8))
            _ = try train(task.makeTrainer(), folder: estimate, settings: settings, classNames: classNames,
                          from: try? Checkpoint.read(from: estimate.lastCheckpointPath))
            prior = task.prior
            FileHandle.standardError.write(Data("SoLar stage 2: a fresh model from the estimated prior \(task.prior.map { String(format: "%.3f", $0) }.joined(separator: " "))\n".utf8))
        }
        let task = try SoLarTask(config: run, data: data, stage: .final, prior: prior)
        return try train(task.makeTrainer(), folder: final, settings: settings, classNames: classNames, from: finalCheckpoint)
    }

    /// Config from --resume's run folder, else the method's defaults and the flags.
    private func resolve() throws -> (PartialLabelRunConfig, String, Bool) {
        if let resume {
            let folder = resume.hasSuffix(".ckpt") ? URL(fileURLWithPath: resume).deletingLastPathComponent().path : resume
            let path = [folder + "/last.ckpt", folder + "/estimate/last.ckpt"].first { FileManager.default.fileExists(atPath: $0) }
            guard let path else {
                throw TailKitError.badFile(path: folder, problem: "holds no last.ckpt (nor estimate/last.ckpt) to resume from")
            }
            var run = try PartialLabelRunConfig(json: try Checkpoint.read(from: path).configJSON)
            if let epochs { run.base.epochs = epochs }
            return (run, out ?? folder, true)
        }
        var base = TrainConfig(task: .pll)
        let datasetName = try DatasetName(parsing: dataset)
        base.dataset = dataset.lowercased()
        base.dataDir = dataDir
        // A user's data set keeps its natural counts unless --imb-factor asks for a steeper tail.
        base.imbFactor = imbFactor ?? (datasetName.isOwnData ? 1 : 0.01)
        if let imageSize { base.imageSize = imageSize }
        if let testFraction { base.testFraction = testFraction }
        base.imbType = imbType
        base.randNumber = randNumber
        base.seed = seed
        base.pad32 = pad32
        if let arch { base.arch = try Architecture(parsing: arch) }
        if let epochs { base.epochs = epochs }
        if let lr { base.lr = lr }
        if let batchSize { base.batchSize = batchSize }
        if let wd { base.wd = wd }
        if let schedule { base.schedule = try ScheduleKind(parsing: schedule) }
        if let workers { base.workers = workers }
        if let device { base.device = device }
        if let precision { base.precision = try Precision(parsing: precision) }
        var pll = PartialLabelConfig(method: try PartialLabelMethod(parsing: method ?? ""))
        if pll.method == .solar { pll.applySoLarRecipe(classes: base.dataset == "cifar100" ? 100 : 10) }
        if let partialRate { pll.partialRate = partialRate }
        pll.hierarchical = hierarchical
        pll.candidates = candidates
        pll.mixup = mixup
        if let updateStart { pll.updateStart = updateStart }
        if let featureMomentum { pll.featureMomentum = featureMomentum }
        if let mixupWeight { pll.mixupWeight = mixupWeight }
        if let queueBatches { pll.queueBatches = queueBatches }
        if let sinkhornLambda { pll.sinkhornLambda = sinkhornLambda }
        if let eta { pll.eta = eta }
        if let tau { pll.tau = tau }
        if let rhoStart { pll.rhoStart = rhoStart }
        if let rhoEnd { pll.rhoEnd = rhoEnd }
        if let gammaEstimate { pll.gammaEstimate = gammaEstimate }
        if let gammaFinal { pll.gammaFinal = gammaFinal }
        if let warmupEpochs { pll.warmupEpochs = warmupEpochs }
        if let estimateEpochs { pll.estimateEpochs = estimateEpochs }
        let run = PartialLabelRunConfig(base: base, pll: pll)
        try run.validate()
        let rate = pll.candidates == nil ? "q\(pll.partialRate)\(pll.hierarchical ? "_nu" : "")" : "own"
        let name = [pll.method.rawValue + (pll.mixup ? "_mixup" : ""), base.dataset, base.arch.rawValue, "\(base.imbFactor)", rate, "\(base.seed)"]
        return (run, out ?? "runs/pll_" + name.joined(separator: "_"), false)
    }
}
