import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch

/// `tailkit pretrain rotation|moco`: self-supervised pre-training on the long-tailed training
/// images, for `tailkit train --pretrained`.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Self-supervised pre-training (rotation or MoCo v2) on a long-tailed training set.",
        discussion: """
        Learns a backbone from the long-tailed training images without their labels ("Rethinking the Value of Labels", self-supervised pre-training), then starts a supervised run from it:

          tailkit pretrain rotation --dataset cifar10 --data-dir data --imb-factor 0.01
          tailkit train --dataset cifar10 --data-dir data --imb-factor 0.01 \\
            --pretrained runs/pretrain_rotation_cifar10_resnet32_exp_0.01_0/last.ckpt

        rotation: every image turned by 0, 90, 180 or 270 degrees (near-balanced per batch), a 4-way classifier on the backbone, cross entropy; the supervised augmentation; SGD lr 0.1, wd 2e-4, 5 warm-up epochs, x0.01 at 80% and x0.0001 at 90% of the epochs (200 in the reference). Rotation accuracy on the rotated test set is logged every epoch.

        moco: MoCo v2 with two augmented views per image, a momentum key encoder (--moco-m), a queue of negatives (--queue-size, capped to the training set's size), temperature --moco-t, a 2-layer MLP head; SGD lr 0.015, wd 1e-4, cosine schedule. Batch norm runs in --bn-splits groups with the keys shuffled between groups: the one-process stand-in for the reference's multi-GPU shuffle-BN.

        The run folder holds config.yaml, log.jsonl (the event stream), TensorBoard events (tb/), report.html and last.ckpt / best.ckpt; `tailkit pretrain --resume RUN` continues exactly after a crash. last.ckpt holds the backbone under the supervised model's key names (the rotation classifier and the MoCo head are not used by train). Pre-train and train with the same --arch and data set (same input channels); train refuses a file that does not fit.
        """
    )

    @Argument(help: "Method: rotation or moco.") var method: String?
    @Option(help: "Data set: \(DatasetName.validNames).") var dataset = "fmnist"
    @Option(help: "Folder with the data set's published files (not needed for fmnist).") var dataDir: String?
    @Option(help: "Imbalance factor 1/rho of the training split, e.g. 0.01 for rho = 100 (default 0.01; folder/csv: natural counts).") var imbFactor: Double?
    @Option(help: "Image side for imagenet-lt, inat2018, folder and csv (default 64).") var imageSize: Int?
    @Option(help: "folder/csv without a test part: each class's share of the stratified test split (default 0.2).") var testFraction: Double?
    @Flag(help: "folder/csv: leave out images that cannot be decoded (with a note) instead of stopping.") var skipBadImages = false
    @Option(help: "Imbalance profile: exp or step.") var imbType = "exp"
    @Option(help: "Network: \(Architecture.validNames).") var arch = "resnet32"
    @Option(help: "Epochs (default 200, the reference).") var epochs: Int?
    @Option(help: "Base learning rate (default: rotation 0.1, moco 0.015).") var lr: Double?
    @Option(help: "Batch size (default 128).") var batchSize: Int?
    @Option(help: "Weight decay (default: rotation 2e-4, moco 1e-4).") var wd: Double?
    @Option(help: "Seed of the long-tailed subset's per-class selection (the reference's --rand_number).") var randNumber = 0
    @Option(help: "Seed of the initial weights, the batches and the rotations.") var seed = 0
    @Option(help: "MoCo: negatives in the queue (default 65536, capped to the training set's size).") var queueSize: Int?
    @Option(help: "MoCo: softmax temperature (default 0.2).") var mocoT: Double?
    @Option(help: "MoCo: key encoder momentum (default 0.999).") var mocoM: Double?
    @Option(help: "MoCo: embedding dimension (default 128).") var mocoDim: Int?
    @Option(help: "MoCo: batch-norm groups standing for GPUs, keys shuffled between them (default 4; 1 = plain BN, which leaks).") var bnSplits: Int?
    @Option(help: "Data loader threads (default 2).") var workers: Int?
    @Option(help: "Device: cpu, cuda or cuda:N.") var device: String?
    @Option(help: "Precision of the forward passes: fp32 (default), bf16 (autocast on the CPU's bf16 units or a GPU), fp16 (autocast + loss scaling, CUDA only). Checkpoints stay fp32.") var precision: String?
    @Option(help: "libtorch threads (default: all cores).") var threads: Int?
    @Option(help: "Run folder or its last.ckpt to continue after a crash or Ctrl-C; its own config is used.") var resume: String?
    @Option(help: "Run folder (default: runs/pretrain_ + method, data set, arch, imbalance, seed).") var out: String?

    func validate() throws {
        if (method == nil) == (resume == nil) { throw ValidationError("give the method (rotation or moco), or --resume RUN") }
    }

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            let (config, checkpoint, folder) = try resolve()
            let splitFile = "\(folder)/\(OwnDataSplit.fileName)"
            let data = try LoadedDataset.load(for: config, splitFile: splitFile)
            let lt = try data.longTailed(imbFactor: config.imbFactor, imbType: config.imbType, seed: config.randNumber)
            let runFolder = try RunFolder(path: folder, configYAML: config.yaml())
            if let split = data.ownSplit { try split.write(to: splitFile) }
            let hooks = runFolder.standardHooks(config: config, classNames: data.train.classNames) + [ConsoleProgress()]
            FileHandle.standardError.write(Data("\(config.task.rawValue) pre-training on \(lt.set.count) images (labels unused), run folder \(folder)\n".utf8))
            switch config.task {
            case .rotation:
                let task = try RotationPretrainingTask(config: config, train: lt.set, test: data.test, normalization: data.normalization)
                try train(task.makeTrainer(), hooks: hooks, from: checkpoint)
            case .moco:
                let task = try MoCoTask(config: config, train: lt.set, normalization: data.normalization)
                FileHandle.standardError.write(Data("queue of \(task.queue.size) negatives\n".utf8))
                try train(task.makeTrainer(), hooks: hooks, from: checkpoint)
            case .supervised:
                throw ValidationError("\(folder) is a supervised run: continue it with `tailkit train --resume`")
            case .pll:
                throw ValidationError("\(folder) is a partial-label run: continue it with `tailkit pll --resume`")
            case .ssl:
                throw ValidationError("\(folder) is a semi-supervised run: continue it with `tailkit ssl --resume`")
            }
            print("pre-trained backbone: \(runFolder.lastCheckpointPath)")
        }
    }

    private func train<T: TrainingTask>(_ trainer: Trainer<T>, hooks: [TrainerHook], from checkpoint: Checkpoint?) throws {
        if let checkpoint { try trainer.restore(from: checkpoint) }
        trainer.hooks = hooks
        trainer.stopSignal = StopSignal.install()
        if try trainer.run() == nil { print("nothing to do: the checkpoint already finished \(trainer.totalSteps) steps") }
    }

    /// Config from --resume's checkpoint, else the method's defaults and the flags.
    private func resolve() throws -> (TrainConfig, Checkpoint?, String) {
        if let resume {
            let (checkpoint, folder) = try RunFolder.resumePoint(resume)
            var config = try TrainConfig(json: checkpoint.configJSON)
            if let epochs { config.epochs = epochs }
            return (config, checkpoint, out ?? folder)
        }
        let task = try TaskKind(parsing: method ?? "")
        guard task == .rotation || task == .moco else { throw ValidationError("pre-training methods: rotation, moco") }
        var c = TrainConfig(task: task)
        let datasetName = try DatasetName(parsing: dataset)
        c.dataset = dataset.lowercased()
        c.dataDir = dataDir
        // A user's data set keeps its natural counts unless an imbalance factor is asked for.
        c.imbFactor = imbFactor ?? (datasetName.isOwnData ? 1 : 0.01)
        if let imageSize { c.imageSize = imageSize }
        if let testFraction { c.testFraction = testFraction }
        if skipBadImages { c.skipBadImages = true }
        c.imbType = imbType
        c.arch = try Architecture(parsing: arch)
        c.randNumber = randNumber
        c.seed = seed
        if let epochs { c.epochs = epochs }
        if let lr { c.lr = lr }
        if let batchSize { c.batchSize = batchSize }
        if let wd { c.wd = wd }
        if let queueSize { c.queueSize = queueSize }
        if let mocoT { c.mocoT = mocoT }
        if let mocoM { c.mocoM = mocoM }
        if let mocoDim { c.mocoDim = mocoDim }
        if let bnSplits { c.bnSplits = bnSplits }
        if let workers { c.workers = workers }
        if let device { c.device = device }
        if let precision { c.precision = try Precision(parsing: precision) }
        let mocoFlagsGiven = queueSize != nil || mocoT != nil || mocoM != nil || mocoDim != nil || bnSplits != nil
        if c.task == .rotation, mocoFlagsGiven {
            throw TailKitError.invalidOption("--queue-size, --moco-t, --moco-m, --moco-dim and --bn-splits apply to moco only")
        }
        try c.validate()
        let dataPart = datasetName.isOwnData ? OwnDataset.runName(dataDir: c.dataDir ?? c.dataset) : c.dataset
        let folder = out ?? "runs/pretrain_\(c.task.rawValue)_\(dataPart)_\(c.arch.rawValue)_\(c.imbType)_\(c.imbFactor)_\(c.seed)"
        return (c, nil, folder)
    }
}
