import Foundation
import TorchNN
import Yams

/// Every value that decides a supervised run; written to the run folder as `config.yaml`.
/// Names follow the reference train.py flags in Swift style.
public struct TrainConfig: Codable, Equatable, Sendable {
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
    /// Seeds the long-tailed subset's per-class selection (the reference's `--rand_number`, default 0),
    /// apart from `seed`, so that runs with different seeds train on the same images.
    public var randNumber = 0
    /// Seeds the initial weights, the batches and the augmentations (the reference's `--seed`).
    public var seed = 0
    /// "step" (the reference: 5-epoch warm-up, ×0.01 at 80%, ×0.0001 at 90%) or "cosine".
    public var schedule = "step"
    /// Training augmentation pipeline (see TailData's AugmentPipeline names).
    public var augment = "weak"
    public var workers = 2
    public var device = "cpu"
    public var evalBatchSize = 256
    /// Side of the images of list-file data sets (ImageNet-LT, iNaturalist), decoded into memory.
    public var imageSize = 64
    /// Fashion-MNIST / MNIST padded from 28x28 to 32x32.
    public var pad32 = false
    /// "joint" (train everything), or a second stage on a first-stage checkpoint (`--pretrained`):
    /// "crt" (freeze the backbone, re-initialise and re-train the classifier) or "lws" (freeze
    /// everything, learn one scale per class on the logits), Kang et al. 2020.
    public var stage = "joint"
    /// "auto" (instance-balanced, or class-balanced with replacement for --rule resample, or
    /// class-aware for crt/lws), "instance", "resample", "class-aware" (4 per class, round robin), "sqrt".
    public var sampler = "auto"
    /// Self-training with extra unlabeled data (ISS 1.3): the pool (`remainder`, `svhn-extra` or a
    /// pool pickle), its pseudo-label file, its imbalance 1/rho_U and its size as a multiple of the
    /// labeled set (D_U@k×).
    public var unlabeled: String?
    /// Fraction of every class kept out of the labeled set (the pool of `--unlabeled remainder`).
    public var holdOut = 0.0
    public var pseudoLabels: String?
    public var imbFactorUnlabel = 0.01
    public var unlabeledRatio = 5

    public init() {}

    /// YAML and JSON keys are the CLI's flag names, so a config file reads like a command line.
    enum CodingKeys: String, CodingKey {
        case dataset, loss, rule, arch, epochs, lr, wd, momentum, seed, schedule, augment, workers, device
        case randNumber = "rand-number"
        case dataDir = "data-dir", imbFactor = "imb-factor", imbType = "imb-type", batchSize = "batch-size"
        case evalBatchSize = "eval-batch-size"
        case stage, sampler, unlabeled
        case imageSize = "image-size", pad32
        case holdOut = "hold-out"
        case pseudoLabels = "pseudo-labels", imbFactorUnlabel = "imb-factor-unlabel", unlabeledRatio = "unlabeled-ratio"
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
        try take(.randNumber, &randNumber)
        try take(.seed, &seed)
        try take(.schedule, &schedule)
        try take(.augment, &augment)
        try take(.workers, &workers)
        try take(.device, &device)
        try take(.evalBatchSize, &evalBatchSize)
        try take(.stage, &stage)
        try take(.sampler, &sampler)
        try take(.imageSize, &imageSize)
        try take(.pad32, &pad32)
        unlabeled = try c.decodeIfPresent(String.self, forKey: .unlabeled)
        try take(.holdOut, &holdOut)
        pseudoLabels = try c.decodeIfPresent(String.self, forKey: .pseudoLabels)
        try take(.imbFactorUnlabel, &imbFactorUnlabel)
        try take(.unlabeledRatio, &unlabeledRatio)
    }

    /// Reads a config file; keys it leaves out keep their defaults.
    public init(yamlFile path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TailKitError.badFile(path: path, problem: "cannot read the config file")
        }
        do {
            self = try YAMLDecoder().decode(TrainConfig.self, from: text)
        } catch {
            throw TailKitError.badFile(path: path, problem: "invalid config: \(error)")
        }
    }

    /// One `key: value` line per setting, numbers written as Swift prints them (0.02, not 2e-2).
    public func yaml() -> String {
        let order: [CodingKeys] = [.dataset, .dataDir, .imbFactor, .imbType, .loss, .rule, .arch, .epochs, .lr, .batchSize,
                                   .wd, .momentum, .randNumber, .seed, .schedule, .augment, .workers, .device, .evalBatchSize,
                                   .stage, .sampler, .imageSize, .pad32, .holdOut, .unlabeled, .pseudoLabels, .imbFactorUnlabel, .unlabeledRatio]
        return order.compactMap { key in yamlValue(key).map { "\(key.rawValue): \($0)" } }.joined(separator: "\n") + "\n"
    }

    private func yamlValue(_ key: CodingKeys) -> String? {
        switch key {
        case .dataset: return dataset
        case .dataDir: return dataDir.map(YAMLScalar.string)
        case .imbFactor: return "\(imbFactor)"
        case .imbType: return imbType
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
        case .schedule: return schedule
        case .augment: return augment
        case .workers: return "\(workers)"
        case .device: return device
        case .evalBatchSize: return "\(evalBatchSize)"
        case .stage: return stage
        case .sampler: return sampler
        case .imageSize: return "\(imageSize)"
        case .pad32: return "\(pad32)"
        case .holdOut: return "\(holdOut)"
        case .unlabeled: return unlabeled.map(YAMLScalar.string)
        case .pseudoLabels: return pseudoLabels.map(YAMLScalar.string)
        case .imbFactorUnlabel: return unlabeled == nil ? nil : "\(imbFactorUnlabel)"
        case .unlabeledRatio: return unlabeled == nil ? nil : "\(unlabeledRatio)"
        }
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public init(json: String) throws {
        self = try JSONDecoder().decode(TrainConfig.self, from: Data(json.utf8))
    }

    /// The learning-rate schedule the config names.
    public func lrSchedule() throws -> any LRSchedule {
        switch schedule {
        case "step": return StepWarmupSchedule.reference(baseLR: lr, epochs: epochs)
        case "cosine-to-zero": return CosineSchedule(baseLR: lr, epochs: epochs, minLR: 0)
        case "cosine": return CosineSchedule(baseLR: lr, epochs: epochs)
        default: throw TailKitError.invalidOption("unknown schedule '\(schedule)'; valid schedules: step, cosine, cosine-to-zero")
        }
    }
}
