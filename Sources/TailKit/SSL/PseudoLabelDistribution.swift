import Torch

/// DASO's running pseudo-label distribution π̂ (`lib/utils/dist_logger.py`, `push_pl_list` /
/// `update_pl_dist` / `get_pl_dist`): the final pseudo-labels of every unlabeled image are counted
/// per class; every `period` steps (when (t+1) % period == 0 and t+1 < total) π̂ is replaced by the
/// counts of those steps, normalised, and the counts restart.
///
/// ```swift
/// var dist = PseudoLabelDistribution(classes: 3, period: 100, totalSteps: 1000)
/// dist.record([0, 0, 2], step: 99)       // (t+1) % 100 == 0: π̂ = (2/3, 0, 1/3)
/// ```
public struct PseudoLabelDistribution: Equatable {
    public let classes: Int
    public let period: Int
    public let totalSteps: Int
    /// Counts since the last refresh.
    public private(set) var pending: [Double]
    /// Counts of the last completed period (all zero before the first refresh).
    public private(set) var counts: [Double]

    public init(classes: Int, period: Int, totalSteps: Int) {
        self.classes = classes
        self.period = period
        self.totalSteps = totalSteps
        pending = Array(repeating: 0, count: classes)
        counts = pending
    }

    /// Whether π̂ has been computed at least once.
    public var isReady: Bool { counts.contains { $0 > 0 } }

    /// π̂ = counts / Σ counts.
    public var distribution: [Double] {
        let total = counts.reduce(0, +)
        return counts.map { $0 / max(total, 1e-12) }
    }

    public mutating func record(_ labels: [Int], step: Int) {
        for label in labels where label >= 0 && label < classes { pending[label] += 1 }
        if (step + 1) % period == 0 && step + 1 < totalSteps {
            counts = pending
            pending = Array(repeating: 0, count: classes)
        }
    }

    /// Puts back `counts` and `pending` (a checkpoint's).
    public mutating func restore(counts: [Double], pending: [Double]) throws {
        guard counts.count == classes, pending.count == classes else {
            throw TailKitError.invalidOption("the checkpoint's pseudo-label distribution has \(counts.count) classes; this run has \(classes)")
        }
        self.counts = counts
        self.pending = pending
    }
}
