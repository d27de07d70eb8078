/// The base semi-supervised algorithms of `tailkit ssl --algorithm` (DASO's `ALGORITHM.NAME`).
///
/// - `supervised`: cross entropy on the labeled batches only; the unlabeled set is not used.
/// - `pseudolabel`: Pseudo-Label (Lee, 2013): hard pseudo-labels of one weak view above the threshold,
///   taught to the same view, weighted by a linear ramp over `ramp-ratio` of the steps.
/// - `meanteacher`: Mean Teacher (Tarvainen & Valpola, 2017): MSE between the student's softmax on one
///   weak view and the EMA teacher's on another, weight 50 ramped linearly over `ramp-ratio` of the steps.
/// - `mixmatch`: MixMatch (Berthelot et al., 2019): sharpened guesses of two weak views, Mixup of labeled and
///   unlabeled images, soft CE on the labeled part and MSE (weight 100, ramp over 1.6% of the steps) on the rest.
/// - `fixmatch`: FixMatch (Sohn et al., NeurIPS 2020): hard pseudo-labels from the weak view of an
///   unlabeled image, kept above a confidence threshold, taught to the strong view.
///
/// ```swift
/// let kind = try SSLAlgorithmKind(parsing: "fixmatch")
/// let base = kind.make(config: ssl)
/// ```
public enum SSLAlgorithmKind: String, NamedChoice, Codable, Sendable {
    case supervised
    case pseudolabel
    case meanteacher
    case mixmatch
    case fixmatch

    public static let choiceKind = "algorithm"

    /// The base algorithm of this kind with the run's settings; `seed` seeds MixMatch's Mixup draws.
    public func make(config: SSLConfig, seed: UInt64 = 0) -> any SSLAlgorithm {
        switch self {
        case .supervised: return SupervisedAlgorithm()
        case .pseudolabel:
            return PseudoLabelAlgorithm(threshold: config.threshold, unlabeledWeight: config.unlabeledWeight,
                                        rampSteps: Int(Double(config.steps) * config.rampRatio))
        case .meanteacher:
            return MeanTeacherAlgorithm(unlabeledWeight: config.unlabeledWeight, rampSteps: Int(Double(config.steps) * config.rampRatio))
        case .mixmatch:
            return MixMatchAlgorithm(unlabeledWeight: config.unlabeledWeight, rampSteps: Int(Double(config.steps) * config.rampRatio), seed: seed)
        case .fixmatch: return FixMatchAlgorithm(threshold: config.threshold, unlabeledWeight: config.unlabeledWeight)
        }
    }

    /// λ_u when `unlabeled-weight` is not given: 50 for Mean Teacher, 100 for MixMatch (DASO's configs), 1 otherwise.
    public var defaultUnlabeledWeight: Double {
        switch self {
        case .meanteacher: return 50
        case .mixmatch: return 100
        case .supervised, .pseudolabel, .fixmatch: return 1
        }
    }

    /// The ramp's share of the steps when `ramp-ratio` is not given: 0.016 for MixMatch (4000 of 250 000
    /// iterations in DASO's configs), 0.4 otherwise.
    public var defaultRampRatio: Double { self == .mixmatch ? 0.016 : 0.4 }
}
