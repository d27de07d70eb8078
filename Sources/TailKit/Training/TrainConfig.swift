import Foundation
import TailData
import Torch
import TorchNN
import Yams

/// Every value that decides a run, of any task (supervised training, rotation or MoCo
/// pre-training); written to the run folder as `config.yaml`, and the `--config` file's keys.
/// Names follow the flags of imbalanced-semi-self's scripts in Swift style (Yang & Xu, NeurIPS 2020:
/// `train.py`, `train_semi.py`, `pretrain_rot.py`, `pretrain_moco.py`); `yaml()` writes the keys that
/// apply to the run's task.
///
/// ```swift
/// var config = try TrainConfig(yamlFile: "ldam.yaml")      // keys it leaves out keep their defaults
/// config.schedule = .cosine
/// try config.validate()
/// print(config.yaml())                                      // task: supervised\ndataset: fmnist\n...
/// ```
public struct TrainConfig: Codable, Equatable, Sendable {
    /// What the run trains: supervised (train.py), rotation (pretrain_rot.py), moco (pretrain_moco.py) or
    /// pll (partial-label learning; its own settings are `PartialLabelConfig`'s).
    public var task = TaskKind.supervised
    public var dataset = "fmnist"
    public var dataDir: String?
    public var imbFactor = 0.01
    public var imbType = "exp"
    public var loss = LossKind.ce
    public var rule = TrainRule.none
    public var arch = Architecture.resnet32
    public var epochs = 200
    public var lr = 0.1
    public var batchSize = 128
    public var wd = 2e-4
    public var momentum = 0.9
    /// sgd (the references') or adam.
    public var optimizer = OptimizerKind.sgd
    /// Seeds the long-tailed subset's per-class selection (the reference's `--rand_number`, default 0),
    /// apart from `seed`, so that runs with different seeds train on the same images.
    public var randNumber = 0
    /// Seeds the initial weights, the batches and the augmentations (the reference's `--seed`).
    public var seed = 0
    /// step (the reference: 5-epoch warm-up, ×0.01 at 80%, ×0.0001 at 90%), cosine or cosine-to-zero.
    public var schedule = ScheduleKind.step
    /// Training augmentation pipeline (see TailData's AugmentPipeline names).
    public var augment = "weak"
    public var workers = 2
    public var device = "cpu"
    /// fp32, bf16 (autocast, CPU or GPU) or fp16 (autocast + loss scaling, GPU): see `Precision`.
    public var precision = Precision.fp32
    public var evalBatchSize = 256
    /// Side of the images of list-file data sets (ImageNet-LT, iNaturalist), decoded into memory.
    public var imageSize = 64
    /// List-file data sets streamed from their files at the reference's crop size (`crop-size`):
    /// train list for training, val list for the best epoch, test list for the final number.
    public var stream = false
    /// Crop side of a streamed data set (the reference's 224).
    public var cropSize = 224
    /// What a streamed image that cannot be decoded does: skip (reported, left out) or fail.
    public var badImages = "skip"
    /// Interpolation of a streamed data set's RandomResizedCrop and Resize: bilinear (torchvision's
    /// default, the reference's) or bicubic, both Pillow's antialiased filters.
    public var resizeFilter = "bilinear"
    /// Fashion-MNIST / MNIST padded from 28x28 to 32x32.
    public var pad32 = false
    /// A user's data set (folder, csv) without a test part: each class's share in the test split.
    public var testFraction = 0.2
    /// A user's data set: leave out images that cannot be decoded (with a note) instead of stopping.
    public var skipBadImages = false
    /// "joint" (train everything), or a second stage on a first-stage checkpoint (`--pretrained`):
    /// "crt" (freeze the backbone, re-initialise and re-train the classifier) or "lws" (freeze
    /// everything, learn one scale per class on the logits), Kang et al. 2020.
    public var stage = "joint"
    /// BN of the frozen backbone in cRT/LWS: `frozen` (eval mode: the first stage's running
    /// statistics, as Kang et al. intend) or `batch` (train mode, as the reference's
    /// `run_networks.py` runs it: batch statistics, running statistics drifting with stage 2).
    public var backboneBN = "frozen"
    /// auto (instance-balanced, or class-balanced with replacement for --rule resample, or
    /// class-aware for crt/lws), instance, resample, class-aware (4 per class, round robin), sqrt.
    public var sampler = SamplerKind.auto
    /// Self-training with extra unlabeled data (imbalanced-semi-self's `train_semi.py`): the pool
    /// (`remainder`, `svhn-extra` or a pool pickle), its pseudo-label file, its imbalance 1/rho_U and
    /// its size as a multiple of the labeled set (D_U@k×).
    public var unlabeled: String?
    /// Fraction of every class kept out of the labeled set (the pool of `--unlabeled remainder`).
    public var holdOut = 0.0
    public var pseudoLabels: String?
    public var imbFactorUnlabel = 0.01
    public var unlabeledRatio = 5
    /// MoCo (`pretrain_moco.py`, `moco/builder.py`): negatives kept in the queue (capped to the
    /// training set's size when run), embedding dimension, softmax temperature, key-encoder momentum,
    /// and the batch-norm groups standing for GPUs (the one-process stand-in for shuffle-BN; 1 = plain BN).
    public var queueSize = 65536
    public var mocoDim = 128
    public var mocoT = 0.2
    public var mocoM = 0.999
    public var bnSplits = 4
    /// Data-parallel ranks that train the run together (`train --world-size`); `batchSize` is the global
    /// batch, each rank takes batchSize / worldSize of it. A resumed run needs the same number.
    public var worldSize = 1

    public init() {}

    /// The defaults of a task's reference script: rotation as train.py (SGD 0.1, wd 2e-4, step
    /// schedule), MoCo as pretrain_moco.py (SGD 0.015, wd 1e-4, cosine to 0, two `moco` views).
    public init(task: TaskKind) {
        self.task = task
        if task == .moco {
            lr = 0.015
            wd = 1e-4
            schedule = .cosineToZero
            augment = "moco"
        }
        if task == .pll {
            // RECORDS-LTPLL's README command: ResNet-18, SGD 0.01, wd 1e-3, cosine, 800 epochs of 256.
            arch = .resnet18
            lr = 0.01
            wd = 1e-3
            schedule = .cosine
            epochs = 800
            batchSize = 256
            augment = "records"
        }
        if task == .ssl {
            // DASO's solver: WRN-28-2, SGD 0.03 (Nesterov, momentum 0.9), wd 5e-4 on every parameter, batch 64.
            arch = .wrn28_2
            lr = 0.03
            wd = 5e-4
            batchSize = 64
            augment = "fixmatch"
        }
    }

    /// YAML and JSON keys are the CLI's flag names, so a config file reads like a command line.
    enum CodingKeys: String, CodingKey {
        case dataset, loss, rule, arch, epochs, lr, wd, momentum, seed, schedule, augment, workers, device
        case randNumber = "rand-number", task, optimizer, precision
        case dataDir = "data-dir", imbFactor = "imb-factor", imbType = "imb-type", batchSize = "batch-size"
        case evalBatchSize = "eval-batch-size"
        case stage, sampler, unlabeled, backboneBN = "backbone-bn"
        case imageSize = "image-size", pad32
        case testFraction = "test-fraction", skipBadImages = "skip-bad-images"
        case stream, cropSize = "crop-size", badImages = "bad-images", resizeFilter = "resize-filter"
        case holdOut = "hold-out"
        case pseudoLabels = "pseudo-labels", imbFactorUnlabel = "imb-factor-unlabel", unlabeledRatio = "unlabeled-ratio"
        case queueSize = "queue-size", mocoDim = "moco-dim", mocoT = "moco-t", mocoM = "moco-m", bnSplits = "bn-splits"
        case worldSize = "world-size"
    }

    public var trainingStage: TrainingStage {
        get throws { try TrainingStage(parsing: stage) }
    }

    /// Every key is optional: what a file leaves out keeps its default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func take<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        /// A choice read as the CLI reads it: any case, an unknown name named in the error.
        func choose<T: NamedChoice>(_ key: CodingKeys, _ value: inout T) throws {
            if let text = try c.decodeIfPresent(String.self, forKey: key) { value = try T(parsing: text) }
        }
        if let task = try c.decodeIfPresent(TaskKind.self, forKey: .task) { self = TrainConfig(task: task) }
        try take(.dataset, &dataset)
        dataDir = try c.decodeIfPresent(String.self, forKey: .dataDir)
        try take(.imbFactor, &imbFactor)
        try take(.imbType, &imbType)
        try take(.loss, &loss)
        try take(.rule, &rule)
        try take(.arch, &arch)
        try take(.epochs, &epochs)
        try take(.lr, &lr)
        try take(.batchSize, &batchSize)
        try take(.wd, &wd)
        try take(.momentum, &momentum)
        try choose(.optimizer, &optimizer)
        try take(.randNumber, &randNumber)
        try take(.seed, &seed)
        try choose(.schedule, &schedule)
        try take(.augment, &augment)
        try take(.workers, &workers)
        try take(.device, &device)
        try choose(.precision, &precision)
        try take(.evalBatchSize, &evalBatchSize)
        try take(.stage, &stage)
        try take(.backboneBN, &backboneBN)
        try choose(.sampler, &sampler)
        try take(.imageSize, &imageSize)
        try take(.stream, &stream)
        try take(.cropSize, &cropSize)
        try take(.badImages, &badImages)
        try take(.resizeFilter, &resizeFilter)
        try take(.pad32, &pad32)
        try take(.testFraction, &testFraction)
        try take(.skipBadImages, &skipBadImages)
        unlabeled = try c.decodeIfPresent(String.self, forKey: .unlabeled)
        try take(.holdOut, &holdOut)
        pseudoLabels = try c.decodeIfPresent(String.self, forKey: .pseudoLabels)
        try take(.imbFactorUnlabel, &imbFactorUnlabel)
        try take(.unlabeledRatio, &unlabeledRatio)
        try take(.queueSize, &queueSize)
        try take(.mocoDim, &mocoDim)
        try take(.mocoT, &mocoT)
        try take(.mocoM, &mocoM)
        try take(.bnSplits, &bnSplits)
        try take(.worldSize, &worldSize)
    }

    /// Reads a config file; keys it leaves out keep their defaults.
    public init(yamlFile path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TailKitError.badFile(path: path, problem: "cannot read the config file")
        }
        try self.init(yaml: text, path: path)
    }

    /// Parses the text of a config file; `path` names it in errors.
    public init(yaml text: String, path: String) throws {
        do {
            try Self.rejectDuplicateKeys(text, path: path)
            self = try YAMLDecoder().decode(TrainConfig.self, from: text)
        } catch let error as TailKitError {
            throw error
        } catch {
            throw TailKitError.badFile(path: path, problem: "invalid config: \(error)")
        }
    }

    /// YAML parsers keep one of two values given for a key without a word; a config that sets
    /// `lr` twice is a mistake the user should see.
    private static func rejectDuplicateKeys(_ text: String, path: String) throws {
        guard let mapping = try Yams.compose(yaml: text)?.mapping else { return }
        var seen: Set<String> = []
        for key in mapping.keys {
            guard let name = key.string else { continue }
            guard seen.insert(name).inserted else {
                throw TailKitError.badFile(path: path, problem: "invalid config: key '\(name)' is given more than once")
            }
        }
    }

    /// One `key: value` line per setting of the run's task, numbers written as Swift prints them
    /// (0.02, not 2e-2).
    public func yaml() -> String {
        yamlSettings().map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n"
    }

    /// The settings of the run's task as (key, YAML value) pairs, in a fixed order.
    public func yamlSettings() -> [(String, String)] {
        var order: [CodingKeys] = [.task, .dataset, .dataDir, .imbFactor, .imbType]
        if task == .supervised { order += [.loss, .rule] }
        order += [.arch, .epochs, .lr, .batchSize, .wd, .momentum, .optimizer, .randNumber, .seed, .schedule, .augment,
                  .workers, .device, .precision, .evalBatchSize, .imageSize, .pad32, .holdOut, .worldSize]
        if isOwnData { order += [.testFraction, .skipBadImages] }
        if stream { order += [.stream, .cropSize, .badImages, .resizeFilter] }
        switch task {
        case .supervised: order += [.stage, .backboneBN, .sampler, .unlabeled, .pseudoLabels, .imbFactorUnlabel, .unlabeledRatio]
        case .rotation, .pll, .ssl: break
        case .moco: order += [.queueSize, .mocoDim, .mocoT, .mocoM, .bnSplits]
        }
        return order.compactMap { key in yamlValue(key).map { (key.rawValue, $0) } }
    }

    private func yamlValue(_ key: CodingKeys) -> String? {
        switch key {
        case .task: return task.rawValue
        case .optimizer: return optimizer.rawValue
        case .queueSize: return "\(queueSize)"
        case .mocoDim: return "\(mocoDim)"
        case .mocoT: return "\(mocoT)"
        case .mocoM: return "\(mocoM)"
        case .bnSplits: return "\(bnSplits)"
        case .worldSize: return worldSize == 1 ? nil : "\(worldSize)"
        case .dataset: return YAMLScalar.string(dataset)
        case .dataDir: return dataDir.map(YAMLScalar.string)
        case .imbFactor: return "\(imbFactor)"
        case .imbType: return YAMLScalar.string(imbType)
        case .loss: return loss.rawValue
        case .rule: return rule.rawValue
        case .arch: return arch.rawValue
        case .epochs: return "\(epochs)"
        case .lr: return "\(lr)"
        case .batchSize: return "\(batchSize)"
        case .wd: return "\(wd)"
        case .momentum: return "\(momentum)"
        case .randNumber: return "\(randNumber)"
        case .seed: return "\(seed)"
        case .schedule: return schedule.rawValue
        case .augment: return YAMLScalar.string(augment)
        case .workers: return "\(workers)"
        case .device: return YAMLScalar.string(device)
        case .precision: return precision.rawValue
        case .evalBatchSize: return "\(evalBatchSize)"
        case .stage: return YAMLScalar.string(stage)
        case .backboneBN: return stage == "joint" ? nil : backboneBN
        case .sampler: return sampler.rawValue
        case .imageSize: return "\(imageSize)"
        case .stream: return "\(stream)"
        case .cropSize: return "\(cropSize)"
        case .badImages: return badImages
        case .resizeFilter: return resizeFilter
        case .pad32: return "\(pad32)"
        case .testFraction: return "\(testFraction)"
        case .skipBadImages: return "\(skipBadImages)"
        case .holdOut: return "\(holdOut)"
        case .unlabeled: return unlabeled.map(YAMLScalar.string)
        case .pseudoLabels: return pseudoLabels.map(YAMLScalar.string)
        case .imbFactorUnlabel: return unlabeled == nil ? nil : "\(imbFactorUnlabel)"
        case .unlabeledRatio: return unlabeled == nil ? nil : "\(unlabeledRatio)"
        }
    }

    /// Whether the config names a user's own data set (folder, csv).
    public var isOwnData: Bool { (try? DatasetName(parsing: dataset))?.isOwnData ?? false }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public init(json: String) throws {
        self = try JSONDecoder().decode(TrainConfig.self, from: Data(json.utf8))
    }

    /// The optimizer the config names over `parameters`: SGD (momentum, weight decay on all
    /// parameters, as the references) or Adam.
    public func makeOptimizer(_ parameters: [Tensor]) throws -> any Optimizer {
        try optimizer.make(parameters, lr: lr, momentum: momentum, weightDecay: wd)
    }

    /// Rejects values that cannot run, naming the flag.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TailKitError.invalidOption(message) } }
        // A NaN or infinity would be written to config.yaml as `nan`/`inf`, which YAML does not read back.
        for (flag, value) in [("imb-factor", imbFactor), ("lr", lr), ("wd", wd), ("momentum", momentum), ("hold-out", holdOut),
                              ("imb-factor-unlabel", imbFactorUnlabel), ("moco-t", mocoT), ("moco-m", mocoM)] {
            try check(value.isFinite, "--\(flag) \(value) must be a finite number")
        }
        try check(epochs >= 0, "--epochs \(epochs) must not be negative")
        try check(lr > 0 && lr.isFinite, "--lr \(lr) must be positive")
        try check(batchSize > 0, "--batch-size \(batchSize) must be positive")
        try check(wd >= 0, "weight decay \(wd) must not be negative")
        try check(workers >= 0, "--workers \(workers) must not be negative")
        try check(worldSize >= 1, "--world-size \(worldSize) must be at least 1")
        try check(batchSize % worldSize == 0,
                  "--batch-size \(batchSize) is the global batch: it must be a multiple of --world-size \(worldSize) (each rank takes batch-size / world-size)")
        try check(testFraction > 0 && testFraction < 1, "--test-fraction \(testFraction) must be in (0, 1)")
        try check(imageSize > 0, "--image-size \(imageSize) must be positive")
        try check(cropSize > 0, "--crop-size \(cropSize) must be positive")
        try check(DecodeFailurePolicy(rawValue: badImages) != nil, "--bad-images must be skip or fail, not '\(badImages)'")
        try check(backboneBN == "frozen" || backboneBN == "batch", "--backbone-bn must be frozen or batch, not '\(backboneBN)'")
        try check(ResizeFilter(rawValue: resizeFilter) != nil, "--resize-filter must be bilinear or bicubic, not '\(resizeFilter)'")
        let chosen = try Device(parsing: device)
        try chosen.checkAvailable()
        try precision.check(device: chosen)
        guard task == .moco else { return }
        try check(queueSize >= batchSize, "--queue-size \(queueSize) must be at least the batch size \(batchSize)")
        try check(mocoDim > 0, "--moco-dim \(mocoDim) must be positive")
        try check(mocoT > 0 && mocoT.isFinite, "--moco-t \(mocoT) must be positive")
        try check(mocoM >= 0 && mocoM < 1, "--moco-m \(mocoM) must be in [0, 1)")
        try check(bnSplits >= 1 && bnSplits <= batchSize, "--bn-splits \(bnSplits) must be in 1...\(batchSize) (the batch size)")
    }

    /// The learning-rate schedule the config names.
    public func lrSchedule() throws -> any LRSchedule {
        schedule.make(baseLR: lr, epochs: epochs)
    }
}
