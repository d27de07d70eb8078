import TorchNN

/// How the class imbalance is countered during training, by the names the CLI takes: the
/// `--train_rule` of imbalanced-semi-self's `train.py` (Yang & Xu, NeurIPS 2020), with the Resample
/// sampler of its `utils.py`. The weights are class-balanced (Cui et al., CVPR 2019):
/// w_c ∝ (1 − β)/(1 − β^{n_c}), β = 0.9999, summing to the number of classes.
///
/// ```swift
/// let rule = try TrainRule(parsing: "drw")
/// rule.classWeights(epoch: 0, totalEpochs: 200, classCounts: [5000, 50])     // nil: plain loss
/// rule.classWeights(epoch: 160, totalEpochs: 200, classCounts: [5000, 50])   // class-balanced
/// ```
public enum TrainRule: String, NamedChoice, Codable, Sendable {
    /// Unweighted loss, instance-balanced shuffling.
    case none
    /// Class-balanced sampling with replacement (per-sample weight (1−β)/(1−β^{n_y}), β = 0.9999).
    case resample
    /// Class-balanced loss weights (β = 0.9999) for all epochs.
    case reweight
    /// Deferred re-weighting: plain loss, then class-balanced weights from the DRW epoch on.
    case drw

    public static let beta = 0.9999

    public static let choiceKind = "rule"

    /// The epoch (0-based) at which DRW switches its weights on: 160 in the reference (for 200 or
    /// more epochs), the schedule's first decay point scaled below 200.
    public static func drwStartEpoch(totalEpochs: Int) -> Int {
        StepWarmupSchedule.referencePoints(epochs: totalEpochs).first
    }

    /// Per-class loss weights for `epoch`, or nil for an unweighted loss.
    public func classWeights(epoch: Int, totalEpochs: Int, classCounts: [Int]) -> [Double]? {
        switch self {
        case .none, .resample: return nil
        case .reweight: return classBalancedWeights(counts: classCounts, beta: Self.beta)
        case .drw:
            return epoch >= Self.drwStartEpoch(totalEpochs: totalEpochs)
                ? classBalancedWeights(counts: classCounts, beta: Self.beta) : nil
        }
    }
}
