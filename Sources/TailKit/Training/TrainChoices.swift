import Torch
import TorchNN

/// The learning-rate schedules a run can name (`--schedule`, `schedule:` in `config.yaml`).
///
/// - `step`: the reference's (`adjust_learning_rate` in imbalanced-semi-self's `utils.py`, Yang &
///   Xu, NeurIPS 2020): lr · (e+1)/5 over the first 5 epochs, then lr, ×0.01 after epoch 160 and
///   ×0.0001 after 180 (the points scale below 200 epochs, see `StepWarmupSchedule.reference`).
/// - `cosine`: lr_e = lr_min + (lr − lr_min)(1 + cos(π e / E)) / 2 with lr_min = lr · 1e-3.
/// - `cosine-to-zero`: the same with lr_min = 0 (`pretrain_moco.py`'s `--cos`, and
///   `imagenet_inat/config/ImageNet_LT/cls_crt.yaml`'s second stage).
///
/// ```swift
/// let schedule = try ScheduleKind(parsing: "cosine-to-zero")
/// let lr = schedule.make(baseLR: 0.2, epochs: 10)      // 0.2 at epoch 0, falling to 0
/// ```
public enum ScheduleKind: String, NamedChoice, Codable, Sendable {
    case step
    case cosine
    case cosineToZero = "cosine-to-zero"

    public static let choiceKind = "schedule"

    /// The schedule over `epochs` epochs from `baseLR`.
    public func make(baseLR: Double, epochs: Int) -> any LRSchedule {
        switch self {
        case .step: return StepWarmupSchedule.reference(baseLR: baseLR, epochs: epochs)
        case .cosine: return CosineSchedule(baseLR: baseLR, epochs: epochs)
        case .cosineToZero: return CosineSchedule(baseLR: baseLR, epochs: epochs, minLR: 0)
        }
    }
}

/// The optimizers a run can name (`optimizer:` in `config.yaml`).
///
/// - `sgd`: the references' SGD with momentum μ and weight decay λ on every parameter:
///   v ← μ v + (g + λ θ), θ ← θ − lr · v.
/// - `adam`: Adam with L2 weight decay λ added to the gradient.
///
/// ```swift
/// let optimizer = try OptimizerKind.sgd.make(model.trainableParameters(), lr: 0.1, momentum: 0.9, weightDecay: 2e-4)
/// ```
public enum OptimizerKind: String, NamedChoice, Codable, Sendable {
    case sgd
    case adam

    public static let choiceKind = "optimizer"

    /// The optimizer over `parameters`; `momentum` applies to SGD only.
    public func make(_ parameters: [Tensor], lr: Double, momentum: Double, weightDecay: Double) throws -> any Optimizer {
        switch self {
        case .sgd: return try SGD(parameters, lr: lr, momentum: momentum, weightDecay: weightDecay)
        case .adam: return Adam(parameters, lr: lr, weightDecay: weightDecay)
        }
    }
}

/// The epoch orders of supervised training (`--sampler`, `sampler:` in `config.yaml`).
///
/// - `auto`: what the rule and stage call for: `resample` for `--rule resample`, `instance` for a
///   joint run, `class-aware` for a second stage (crt, lws).
/// - `instance`: every image once per epoch, shuffled (instance-balanced).
/// - `resample`: `len(train)` draws with replacement, p(i) ∝ (1 − β)/(1 − β^{n_{y_i}}), β = 0.9999
///   (`ImbalancedDatasetSampler` in imbalanced-semi-self's `utils.py`).
/// - `class-aware`: classes in a shuffled round robin, 4 images of each in turn
///   (`imagenet_inat/data/ClassAwareSampler.py`), int(len(train) / batch) batches per epoch.
/// - `sqrt`: draws with replacement, p(i) ∝ 1/√n_{y_i} (square-root sampling).
///
/// ```swift
/// var config = TrainConfig()
/// config.sampler = try SamplerKind(parsing: "class-aware")
/// ```
public enum SamplerKind: String, NamedChoice, Codable, Sendable {
    case auto
    case instance
    case resample
    case classAware = "class-aware"
    case sqrt

    public static let choiceKind = "sampler"
}
