import Foundation

/// Where training stands when the learning rate is set, before every optimizer step.
public struct SchedulePosition: Sendable, Equatable {
    /// 0-based epoch (of the data, in iteration-based training).
    public var epoch: Int
    /// 0-based optimizer step since the start of training.
    public var step: Int
    public var stepsPerEpoch: Int
    /// Steps of the whole run.
    public var totalSteps: Int

    public init(epoch: Int, step: Int, stepsPerEpoch: Int, totalSteps: Int) {
        self.epoch = epoch
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.totalSteps = totalSteps
    }
}

/// A learning rate for each optimizer step; the trainer asks before every step.
public protocol LRSchedule: Sendable {
    func learningRate(at position: SchedulePosition) -> Double
}

/// A schedule that changes only when an epoch starts (the reference's train.py, RECORDS' cosine).
public protocol EpochLRSchedule: LRSchedule {
    func learningRate(epoch: Int) -> Double
}

extension EpochLRSchedule {
    public func learningRate(at position: SchedulePosition) -> Double { learningRate(epoch: position.epoch) }
}

/// The same learning rate at every step (DASO's default: `SOLVER.APPLY_SCHEDULER` off).
public struct ConstantSchedule: LRSchedule {
    public var lr: Double
    public init(lr: Double) { self.lr = lr }
    public func learningRate(at position: SchedulePosition) -> Double { lr }
}

/// FixMatch's per-step cosine with linear warm-up (DASO `WarmupCosineLRFixMatch`, Sohn et al. 2020):
/// lr(t) = base · warm(t) · cos(ratio · π t / K), ratio 7/16, K the run's steps, warm(t) rising linearly
/// from `warmupFactor` to 1 over `warmupSteps`.
///
/// ```swift
/// let s = FixMatchCosineSchedule(baseLR: 0.03)
/// s.learningRate(at: SchedulePosition(epoch: 0, step: 0, stepsPerEpoch: 500, totalSteps: 250_000))  // 0.03
/// ```
public struct FixMatchCosineSchedule: LRSchedule {
    public var baseLR: Double
    public var ratio: Double
    public var warmupSteps: Int
    public var warmupFactor: Double

    public init(baseLR: Double, ratio: Double = 7.0 / 16.0, warmupSteps: Int = 0, warmupFactor: Double = 0) {
        self.baseLR = baseLR
        self.ratio = ratio
        self.warmupSteps = warmupSteps
        self.warmupFactor = warmupFactor
    }

    public func learningRate(at p: SchedulePosition) -> Double {
        baseLR * linearWarmup(step: p.step, steps: warmupSteps, factor: warmupFactor)
            * cos(ratio * Double.pi * Double(p.step) / Double(max(1, p.totalSteps)))
    }
}

/// Linear warm-up then ×gamma at each step milestone (DASO `WarmupMultiStepLR`):
/// lr(t) = base · warm(t) · γ^{#milestones ≤ t}.
public struct WarmupMultiStepSchedule: LRSchedule {
    public var baseLR: Double
    public var milestones: [Int]
    public var gamma: Double
    public var warmupSteps: Int
    public var warmupFactor: Double

    public init(baseLR: Double, milestones: [Int], gamma: Double = 0.2, warmupSteps: Int = 0, warmupFactor: Double = 0) {
        self.baseLR = baseLR
        self.milestones = milestones
        self.gamma = gamma
        self.warmupSteps = warmupSteps
        self.warmupFactor = warmupFactor
    }

    public func learningRate(at p: SchedulePosition) -> Double {
        let passed = milestones.filter { $0 <= p.step }.count
        return baseLR * linearWarmup(step: p.step, steps: warmupSteps, factor: warmupFactor) * pow(gamma, Double(passed))
    }
}

/// The warm-up multiplier: `factor` at step 0 rising linearly to 1 at `steps` (1 when there is none).
func linearWarmup(step: Int, steps: Int, factor: Double) -> Double {
    guard steps > 0, step < steps else { return 1 }
    let alpha = Double(step) / Double(steps)
    return factor * (1 - alpha) + alpha
}

/// Linear warm-up, then step decays at milestones: the reference train.py schedule is
/// `StepWarmupSchedule.reference(baseLR: 0.1, epochs: 200)`: lr·ep/5 for ep ≤ 5 (ep = epoch + 1),
/// then lr, ×0.01 after epoch 160, ×0.0001 after 180.
public struct StepWarmupSchedule: EpochLRSchedule {
    public var baseLR: Double
    public var warmupEpochs: Int
    /// (epoch, factor): from 1-based epoch `> epoch` on, lr = baseLR · factor (the last one that applies).
    public var milestones: [(epoch: Int, factor: Double)]

    public init(baseLR: Double, warmupEpochs: Int, milestones: [(epoch: Int, factor: Double)]) {
        self.baseLR = baseLR
        self.warmupEpochs = warmupEpochs
        self.milestones = milestones.sorted { $0.epoch < $1.epoch }
    }

    /// The reference schedule: warm-up 5, milestones 160 and 180, as train.py has them for 200 or
    /// more epochs. Below 200 epochs the three points scale with `epochs`, rounded half to even
    /// as Python's `round` does (warm-up at least 1): 30 epochs give 1, 24, 27.
    public static func reference(baseLR: Double, epochs: Int) -> StepWarmupSchedule {
        let points = referencePoints(epochs: epochs)
        return StepWarmupSchedule(baseLR: baseLR, warmupEpochs: points.warmup,
                                  milestones: [(points.first, 0.01), (points.second, 0.0001)])
    }

    /// Warm-up length and the two decay epochs of the reference schedule for `epochs`.
    public static func referencePoints(epochs: Int) -> (warmup: Int, first: Int, second: Int) {
        guard epochs < 200 else { return (5, 160, 180) }
        let scale = Double(epochs) / 200
        func scaled(_ x: Double) -> Int { Int((x * scale).rounded(.toNearestOrEven)) }
        return (max(1, scaled(5)), scaled(160), scaled(180))
    }

    public func learningRate(epoch: Int) -> Double {
        let ep = epoch + 1
        if ep <= warmupEpochs { return baseLR * Double(ep) / Double(warmupEpochs) }
        var factor = 1.0
        for m in milestones where ep > m.epoch { factor = m.factor }
        return baseLR * factor
    }
}

/// Cosine annealing per epoch: lr_e = minLR + (baseLR − minLR)(1 + cos(π e / E)) / 2, with an
/// optional linear warm-up. RECORDS uses minLR = baseLR · 1e-3.
public struct CosineSchedule: EpochLRSchedule {
    public var baseLR: Double
    public var minLR: Double
    public var epochs: Int
    public var warmupEpochs: Int

    public init(baseLR: Double, epochs: Int, minLR: Double? = nil, warmupEpochs: Int = 0) {
        self.baseLR = baseLR
        self.minLR = minLR ?? baseLR * 1e-3
        self.epochs = epochs
        self.warmupEpochs = warmupEpochs
    }

    public func learningRate(epoch: Int) -> Double {
        if epoch < warmupEpochs { return baseLR * Double(epoch + 1) / Double(warmupEpochs) }
        let progress = Double(epoch - warmupEpochs) / Double(max(1, epochs - warmupEpochs))
        return minLR + (baseLR - minLR) * (1 + cos(Double.pi * progress)) / 2
    }
}
