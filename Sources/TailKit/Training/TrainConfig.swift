import TorchNN

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
    /// Seeds the long-tail selection (the reference's `rand_number`), weights and batches.
    public var seed = 0
    /// "step" (the reference: 5-epoch warm-up, ×0.01 at 80%, ×0.0001 at 90%) or "cosine".
    public var schedule = "step"
    /// Training augmentation pipeline (see TailData's AugmentPipeline names).
    public var augment = "weak"
    public var workers = 2
    public var device = "cpu"
    public var evalBatchSize = 256

    public init() {}

    /// The learning-rate schedule the config names.
    public func lrSchedule() throws -> any LRSchedule {
        switch schedule {
        case "step": return StepWarmupSchedule.reference(baseLR: lr, epochs: epochs)
        case "cosine": return CosineSchedule(baseLR: lr, epochs: epochs)
        default: throw TailKitError.invalidOption("unknown schedule '\(schedule)'; valid schedules: step, cosine")
        }
    }
}
