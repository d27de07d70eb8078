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

    /// The reference schedule scaled to `epochs` (milestones at 80% and 90%, warm-up 5 of 200, at least 1).
    public static func reference(baseLR: Double, epochs: Int) -> StepWarmupSchedule {
        let scale = Double(epochs) / 200
        let warmup = max(1, Int((5 * scale).rounded()))
        return StepWarmupSchedule(baseLR: baseLR, warmupEpochs: warmup,
                                  milestones: [(Int((160 * scale).rounded()), 0.01), (Int((180 * scale).rounded()), 0.0001)])
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
