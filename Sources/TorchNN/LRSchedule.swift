import Foundation

/// A learning rate as a function of the (0-based) epoch, set at the start of each epoch.
public protocol LRSchedule: Sendable {
    func learningRate(epoch: Int) -> Double
}

/// Linear warm-up, then step decays at milestones: the reference train.py schedule is
/// `StepWarmupSchedule.reference(baseLR: 0.1, epochs: 200)`: lr·ep/5 for ep ≤ 5 (ep = epoch + 1),
/// then lr, ×0.01 after epoch 160, ×0.0001 after 180.
public struct StepWarmupSchedule: LRSchedule {
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
public struct CosineSchedule: LRSchedule {
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
