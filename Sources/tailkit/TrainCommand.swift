import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch

/// `tailkit train`: the reference train.py, for any loss × rule, with a run folder.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on a long-tailed data set.",
        discussion: """
        Builds the long-tailed training set (same counts and images as the reference code), trains with the chosen loss and re-balancing rule, evaluates on the balanced test set after every epoch and writes a run folder: config.yaml, counts.json, log.jsonl, TensorBoard events (tb/), last.ckpt, best.ckpt and report.html.

        Losses: \(LossKind.validNames) (la = logit-adjusted CE, bs = Balanced Softmax). Rules: \(TrainRule.validNames) (drw = deferred re-weighting from 80% of the epochs on). The schedule is the reference's: 5 warm-up epochs, x0.01 after epoch 160 and x0.0001 after 180; below 200 epochs the three points scale with --epochs (rounded half to even, warm-up at least 1), DRW likewise from 160 of 200.

        Second stage (--stage crt|lws --pretrained FIRST): the backbone is frozen (its BN statistics too, unless --backbone-bn batch runs them in train mode as the reference does) and the classifier re-trained (crt) or rescaled per class (lws) with class-aware sampling, by the reference's cls_crt.yaml: lr 0.2, batch 512, weight decay 5e-4 (inat2018: 1e-4), 10 epochs (inat2018: 30), cosine, int(len(train)/batch) steps per epoch. Flags and --config keys override each of these. Reference checkpoints load as they are (zip or legacy torch format, module. prefixes, MoCo's encoder_q, classifiers named linear or fc).

        --seed changes the initial weights, batches and augmentations; --rand-number changes which images form the long-tailed subset (the reference keeps the two apart too).
        Your own data: --dataset folder --data-dir DIR (one sub-folder of JPEG/PNG images per class, class names from the folder names) or --dataset csv --data-dir FILE (path,label rows). The natural class counts are kept (unless --imb-factor is given), images are resized to --image-size, normalised by the training images' own mean and std. The test split is DIR/test (or test.csv beside FILE), else a stratified --test-fraction of every class (seed --rand-number), saved as split.json in the run folder and reused by --resume, eval, predict and a second stage. Checkpoints record the class names, normalisation and image size for `tailkit predict`.

        Examples:
          tailkit train --imb-factor 0.01 --loss ldam --rule drw --epochs 30
          tailkit train --config run.yaml --seed 1     (flags win over the file)
          tailkit train --resume runs/RUN    (continue after a crash or Ctrl-C)
          tailkit train --dataset folder --data-dir photos --image-size 64 --rule drw --epochs 30
          tailkit train --stage crt --pretrained runs/RUN/best.ckpt    (cRT)
          tailkit train --unlabeled remainder --pseudo-labels pl.pickle --imb-factor-unlabel 0.01

        Data-parallel (libtorch's c10d, gloo): N processes train one model, each on its share of every epoch's order (batch-size / N images per step), with gradients averaged after every backward and BN statistics taken from rank 0. Rank 0 writes the run folder; --resume needs the same --world-size.
          tailkit launch --nproc 2 -- train --epochs 30            (two ranks on this machine)
          tailkit train --world-size 2 --rank 1 --master 10.0.0.1:29500 ...   (one rank per machine)
        """
    )

    @Option(help: "YAML file with any of the keys below (e.g. 'imb-factor: 0.01'); flags win.") var config: String?
    @Option(help: "Data set: \(DatasetName.validNames).") var dataset: String?
    @Option(help: "Folder with the data set's published files (not needed for fmnist); for folder: the class folders' parent; for csv: the CSV file.") var dataDir: String?
    @Option(help: "Imbalance factor 1/rho, e.g. 0.01 for rho = 100 (folder/csv: natural counts unless given).") var imbFactor: Double?
    @Option(help: "Imbalance profile: exp or step.") var imbType: String?
    @Option(help: "Loss: \(LossKind.validNames).") var loss: String?
    @Option(help: "Re-balancing rule: \(TrainRule.validNames).") var rule: String?
    @Option(help: "Network: \(Architecture.validNames).") var arch: String?
    @Option(help: "Epochs (default 200, the reference; crt/lws: 10, 30 on inat2018).") var epochs: Int?
    @Option(help: "Base learning rate (default 0.1; crt/lws: 0.2).") var lr: Double?
    @Option(help: "Batch size (default 128; with --unlabeled 256; crt/lws: 512).") var batchSize: Int?
    @Option(help: "Weight decay (default 2e-4; crt/lws: 5e-4, 1e-4 on inat2018).") var wd: Double?
    @Option(help: "Seed of the long-tailed subset's per-class selection (the reference's --rand_number, default 0).") var randNumber: Int?
    @Option(help: "Seed of the initial weights, the batches and the augmentations (default 0); the subset stays the same.") var seed: Int?
    @Option(help: "LR schedule: step (reference) or cosine.") var schedule: String?
    @Option(help: "Training augmentation (weak, weak-reflect, strong, none, ...).") var augment: String?
    @Option(help: "Data loader threads (default 2).") var workers: Int?
    @Option(help: "Device: cpu, cuda or cuda:N.") var device: String?
    @Option(help: "Precision of the forward passes: fp32 (default), bf16 (autocast on the CPU's bf16 units or a GPU), fp16 (autocast + loss scaling, CUDA only). Checkpoints stay fp32.") var precision: String?
    @Option(help: "libtorch threads (default: all cores).") var threads: Int?
    @Option(help: "Checkpoint whose weights start the run: the backbone for --stage joint (e.g. from `tailkit pretrain`), the whole first-stage model for crt/lws.") var pretrained: String?
    @Option(help: "joint (default), crt (re-train a re-initialised classifier on a frozen backbone) or lws (learn per-class logit scales).") var stage: String?
    @Option(help: "crt/lws: BN of the frozen backbone: frozen (default; the first stage's statistics) or batch (the reference's train mode: batch statistics, running ones re-estimated in stage 2).") var backboneBn: String?
    @Option(help: "Epoch order: auto, instance, resample, class-aware (4 per class), sqrt.") var sampler: String?
    @Option(help: "Self-training pool: remainder (training images outside the long-tailed set), svhn-extra, or a pool pickle.") var unlabeled: String?
    @Flag(help: "Pad Fashion-MNIST / MNIST from 28x28 to 32x32.") var pad32 = false
    @Option(help: "Image side for imagenet-lt, inat2018, folder and csv (decoded and resized in memory; default 64).") var imageSize: Int?
    @Option(help: "folder/csv without a test part: each class's share of the stratified test split (default 0.2).") var testFraction: Double?
    @Flag(help: "folder/csv: leave out images that cannot be decoded (with a note) instead of stopping.") var skipBadImages = false
    @Flag(help: "imagenet-lt / inat2018: stream the images from their files at --crop-size (the reference's transforms); best epoch by the val list (each epoch prints 'val top-1'), final number on the test list.") var stream = false
    @Option(help: "Crop side of --stream (default 224).") var cropSize: Int?
    @Option(help: "With --stream, an image that cannot be decoded: skip (reported with its list line, left out; default) or fail.") var badImages: String?
    @Option(help: "With --stream, the interpolation of RandomResizedCrop and Resize: bilinear (default; torchvision's and the reference's) or bicubic (Pillow's, a = -0.5).") var resizeFilter: String?
    @Option(help: "Fraction of every class kept out of the labeled set, as the pool of --unlabeled remainder (e.g. 0.5 for Fashion-MNIST).") var holdOut: Double?
    @Option(help: "Pseudo-labels of the pool, from `tailkit pseudo-label` or the reference's pickle.") var pseudoLabels: String?
    @Option(help: "Imbalance factor 1/rho_U of the unlabeled images (default 0.01).") var imbFactorUnlabel: Double?
    @Option(help: "Unlabeled images per labeled image, D_U@kx (default 5).") var unlabeledRatio: Int?
    @Option(help: "Run folder or checkpoint to continue; its own config is used.") var resume: String?
    @Option(help: "Run folder (default runs/<dataset>_<arch>_<loss>_<rule>_<imb-type>_<imb-factor>_<seed>).") var out: String?
    @OptionGroup var parallel: DataParallelOptions

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            let (config, checkpoint, folder) = try resolve()
            if config.stream {
                guard config.worldSize == 1 else { throw ValidationError("--stream trains in one process; --world-size is for in-memory data sets") }
                return try runStreamed(config, checkpoint: checkpoint, folder: folder)
            }
            let group = try parallel.makeGroup()
            let leader = (group?.rank ?? 0) == 0
            let prepared = try TrainingData.prepare(config, splitFile: savedSplit(folder: folder))
            let data = prepared.dataset
            let initial = try (checkpoint == nil ? pretrained : nil).map { try InitialWeights.read(from: $0) }
            if initial == nil && config.stage != "joint" && checkpoint == nil {
                throw ValidationError("--stage \(config.stage) trains on top of a first-stage model: pass it with --pretrained FILE")
            }
            let task = try SupervisedTask(config: config, train: prepared.train, test: data.test, normalization: data.normalization,
                                          initialWeights: initial, groupCounts: prepared.labeledCounts)
            if let group {
                task.shard = RankShard(rank: group.rank, count: group.worldSize)
                task.evaluates = leader
            }
            let trainer = try task.makeTrainer()
            if let checkpoint { try trainer.restore(from: checkpoint) }
            let parallelHook = group.map { DataParallelHook(group: $0, parameters: task.parameters(), buffers: task.model.namedBuffers().map(\.1)) }
            if let parallelHook, !leader { return try runFollower(trainer, hook: parallelHook) }
            let runFolder = try RunFolder(path: folder, configYAML: config.yaml(),
                                          counts: ClassCountsFile(classNames: data.train.classNames, trainCounts: prepared.train.classCounts(),
                                                                  testCounts: data.test.classCounts()))
            if let split = data.ownSplit { try split.write(to: "\(folder)/\(OwnDataSplit.fileName)") }
            trainer.hooks = runFolder.standardHooks(config: config, classNames: data.train.classNames) + [ConsoleProgress()]
                + (parallelHook.map { [$0] } ?? [])
            trainer.stopSignal = StopSignal.install()
            let counts = prepared.labeledCounts
            FileHandle.standardError.write(Data("training on \(prepared.train.count) images (labeled \(counts.first ?? 0) ... \(counts.last ?? 0) per class), run folder \(folder)\n".utf8))
            if let semi = prepared.selfTraining { try reportSelfTraining(semi, classNames: data.train.classNames, folder: folder) }
            guard let last = try trainer.run() else {
                print("nothing to do: the checkpoint already finished \(config.epochs) epochs")
                return
            }
            if let eval = last.eval, let report = ClassificationReport(metrics: eval) { print(report.table(classNames: data.train.classNames)) }
            if let parallelHook { try reportAgreement(parallelHook) }
            print("best top-1 \(String(format: "%.2f", trainer.best ?? 0)); report: \(runFolder.reportPath)")
        }
    }

    /// A data-parallel rank other than 0: trains in step with the others, writes nothing.
    private func runFollower(_ trainer: Trainer<SupervisedTask>, hook: DataParallelHook) throws {
        trainer.hooks = [hook]
        trainer.stopSignal = StopSignal.install()
        guard try trainer.run() != nil else { return }
        try reportAgreement(hook)
    }

    /// After a data-parallel run: the ranks' weights must be rank 0's, else the run is not one model.
    private func reportAgreement(_ hook: DataParallelHook) throws {
        guard let difference = hook.agreement else { return }
        guard difference == 0 else {
            throw TailKitError.distributed("data-parallel: the \(hook.group.worldSize) ranks ended with different weights (largest difference from rank 0: \(difference))")
        }
        if hook.group.rank == 0 {
            print("data-parallel: \(hook.group.worldSize) ranks ended with identical weights (largest difference from rank 0: 0)")
        }
    }

    /// What the pseudo-labeled pool adds, and how right its labels are when the truth is known.
    private func reportSelfTraining(_ semi: SelfTrainingSet, classNames: [String], folder: String) throws {
        var lines = ["self-training: \(semi.selected.count) pseudo-labeled images join \(semi.labeledCounts.reduce(0, +)) labeled ones"]
        if let q = semi.quality {
            lines.append(String(format: "pseudo-label accuracy %.2f%%; per class (precision / recall %%):", q.accuracy))
            for c in classNames.indices {
                lines.append(String(format: "  %@ %6d labeled %6d pseudo  %6.2f / %6.2f", classNames[c].padding(toLength: 14, withPad: " ", startingAt: 0),
                                    semi.labeledCounts[c], semi.unlabeledCounts[c], q.precision[c], q.recall[c]))
            }
            try AtomicFile.write([UInt8](try JSONEncoder().encode(q)), to: "\(folder)/pseudo_label_quality.json")
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// A user's data set: the split saved in the run folder (resumed or repeated run), else the one
    /// beside the --pretrained checkpoint (a second stage keeps its first stage's split).
    private func savedSplit(folder: String) -> String? {
        let own = "\(folder)/\(OwnDataSplit.fileName)"
        if FileManager.default.fileExists(atPath: own) { return own }
        return pretrained.flatMap { Checkpoint.splitFile(besides: $0) }
    }

    /// The settings the user chose: keys of the --config file and the flags given.
    private func explicitKeys() throws -> Set<String> {
        var keys = try config.map { try TrainConfig.keys(inYAMLFile: $0) } ?? []
        let flags: [(String, Any?)] = [("epochs", epochs), ("lr", lr), ("batch-size", batchSize), ("wd", wd), ("schedule", schedule)]
        for (key, value) in flags where value != nil { keys.insert(key) }
        return keys
    }

    /// Config from --resume's checkpoint, else defaults < --config file < flags.
    private func resolve() throws -> (TrainConfig, Checkpoint?, String) {
        if let resume {
            let (checkpoint, folder) = try RunFolder.resumePoint(resume)
            var config = try TrainConfig(json: checkpoint.configJSON)
            guard config.task == .supervised else {
                let command = config.task == .pll ? "tailkit pll --resume" : config.task == .ssl ? "tailkit ssl --resume" : "tailkit pretrain --resume"
                throw ValidationError("\(resume) is a \(config.task.rawValue) run: continue it with `\(command)`")
            }
            if let epochs { config.epochs = epochs }
            guard config.worldSize == parallel.requestedWorldSize else {
                throw ValidationError("\(resume) was trained with --world-size \(config.worldSize); resume it with the same world size (each rank's share of every epoch depends on it), not \(parallel.requestedWorldSize)")
            }
            return (config, checkpoint, out ?? folder)
        }
        var c = try config.map { try TrainConfig(yamlFile: $0) } ?? TrainConfig()
        if let dataset { c.dataset = dataset }
        if let dataDir { c.dataDir = dataDir }
        if let imbFactor { c.imbFactor = imbFactor }
        if let imbType { c.imbType = imbType }
        if let loss { c.loss = try LossKind(parsing: loss) }
        if let rule { c.rule = try TrainRule(parsing: rule) }
        if let arch { c.arch = try Architecture(parsing: arch) }
        if let epochs { c.epochs = epochs }
        if let lr { c.lr = lr }
        if let batchSize { c.batchSize = batchSize }
        if let wd { c.wd = wd }
        if let randNumber { c.randNumber = randNumber }
        if let seed { c.seed = seed }
        if let schedule { c.schedule = try ScheduleKind(parsing: schedule) }
        if let augment { c.augment = augment }
        if let workers { c.workers = workers }
        if let device { c.device = device }
        if let precision { c.precision = try Precision(parsing: precision) }
        if let stage { c.stage = stage; _ = try c.trainingStage }
        if let backboneBn { c.backboneBN = backboneBn }
        if let sampler { c.sampler = try SamplerKind(parsing: sampler) }
        if let unlabeled { c.unlabeled = unlabeled }
        if let holdOut { c.holdOut = holdOut }
        if let imageSize { c.imageSize = imageSize }
        if let testFraction { c.testFraction = testFraction }
        if skipBadImages { c.skipBadImages = true }
        if pad32 { c.pad32 = true }
        if stream { c.stream = true }
        if let cropSize { c.cropSize = cropSize }
        if let badImages { c.badImages = badImages }
        if let resizeFilter { c.resizeFilter = resizeFilter }
        if let pseudoLabels { c.pseudoLabels = pseudoLabels }
        if let imbFactorUnlabel { c.imbFactorUnlabel = imbFactorUnlabel }
        if let unlabeledRatio { c.unlabeledRatio = unlabeledRatio }
        c.worldSize = parallel.requestedWorldSize
        let keys = try explicitKeys()
        c.applyReferenceRecipe(explicitKeys: keys)
        let datasetName = try DatasetName(parsing: c.dataset)
        // A user's data set keeps its natural counts unless an imbalance factor is asked for.
        if datasetName.isOwnData && imbFactor == nil && !keys.contains("imb-factor") { c.imbFactor = 1 }
        try c.validate()
        let stagePart = c.stage == "joint" ? "" : "_\(c.stage)"
        let semiPart = c.unlabeled == nil ? "" : "_semi\(c.imbFactorUnlabel)"
        let dataPart = datasetName.isOwnData ? OwnDataset.runName(dataDir: c.dataDir ?? c.dataset) : c.dataset
        let name = "\(dataPart)_\(c.arch.rawValue)_\(c.loss.rawValue)_\(c.rule.rawValue)_\(c.imbType)_\(c.imbFactor)\(semiPart)_\(c.seed)\(stagePart)"
        return (c, nil, out ?? "runs/\(name)")
    }
}
