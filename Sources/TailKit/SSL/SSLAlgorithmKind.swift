/// The base semi-supervised algorithms of `tailkit ssl --algorithm` (DASO's `ALGORITHM.NAME`).
///
/// - `supervised`: cross entropy on the labeled batches only; the unlabeled set is not used.
/// - `pseudolabel`: Pseudo-Label (Lee, 2013): hard pseudo-labels of one weak view above the threshold,
///   taught to the same view, weighted by a linear ramp over `ramp-ratio` of the steps.
/// - `meanteacher`: Mean Teacher (Tarvainen & Valpola, 2017): MSE between the student's softmax on one
///   weak view and the EMA teacher's on another, weight 50 ramped linearly over `ramp-ratio` of the steps.
/// - `mixmatch`: MixMatch (Berthelot et al., 2019): sharpened guesses of two weak views, Mixup of labeled and
///   unlabeled images, soft CE on the labeled part and MSE (weight 100, ramp over 1.6% of the steps) on the rest.
/// - `remixmatch`: ReMixMatch (Berthelot et al., ICLR 2020): aligned, sharpened guesses of a weak view,
///   Mixup over the labeled batch, the weak and two strong views; soft CE on the mixed parts (unlabeled
///   weight 1.5), soft CE of the guess on strong view 1 (0.5) and a rotation loss (0.5), μ = 1.
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
    case remixmatch
    case fixmatch

    public static let choiceKind = "algorithm"

    /// The base algorithm of this kind with the run's settings; `seed` seeds the Mixup and rotation
    /// draws; `labeledCounts` (the labeled set's class counts) are ReMixMatch's alignment target.
    public func make(config: SSLConfig, seed: UInt64 = 0, labeledCounts: [Int] = [1]) throws -> any SSLAlgorithm {
        let rampSteps = Int(Double(config.steps) * config.rampRatio)
        switch self {
        case .supervised: return SupervisedAlgorithm()
        case .pseudolabel:
            let ramp = ConsistencyRamp(config: config)
            return PseudoLabelAlgorithm(threshold: config.threshold, unlabeledWeight: config.unlabeledWeight,
                                        rampSteps: ramp.steps, rampPeriod: ramp.period)
        case .meanteacher:
            return MeanTeacherAlgorithm(unlabeledWeight: config.unlabeledWeight, rampSteps: Int(Double(config.steps) * config.rampRatio))
        case .mixmatch:
            return MixMatchAlgorithm(unlabeledWeight: config.unlabeledWeight, rampSteps: rampSteps, alpha: config.mixupAlpha, seed: seed)
        case .remixmatch:
            let alignment = config.distAlign ? try DistributionAlignment(target: labeledCounts.map(Double.init)) : nil
            let ramp = ConsistencyRamp(config: config)
            return ReMixMatchAlgorithm(unlabeledWeight: config.unlabeledWeight, klWeight: config.remixmatchKLWeight,
                                       rotationWeight: config.remixmatchRotWeight, rampSteps: ramp.steps, rampPeriod: ramp.period,
                                       alpha: config.mixupAlpha,
                                       alignment: alignment, seed: seed)
        case .fixmatch: return FixMatchAlgorithm(threshold: config.threshold, unlabeledWeight: config.unlabeledWeight)
        }
    }

    /// λ_u when `unlabeled-weight` is not given: 50 for Mean Teacher, 100 for MixMatch, 1.5 for ReMixMatch
    /// (DASO's configs), 1 otherwise.
    public var defaultUnlabeledWeight: Double {
        switch self {
        case .meanteacher: return 50
        case .mixmatch: return 100
        case .remixmatch: return 1.5
        case .supervised, .pseudolabel, .fixmatch: return 1
        }
    }

    /// The ramp's share of the steps when `ramp-ratio` is not given: 0.016 for MixMatch and ReMixMatch
    /// (4000 of 250 000 iterations in DASO's configs), 0.4 otherwise.
    public var defaultRampRatio: Double { [.mixmatch, .remixmatch].contains(self) ? 0.016 : 0.4 }

    /// μ when `mu` is not given, as DASO's shipped configs: 2 for FixMatch (`fixmatch*.yaml`), 1 for
    /// Pseudo-Label (`pseudolabel.yaml`) and for the bases whose configs keep UNLABELED_BATCH_RATIO's
    /// default of 1 (Mean Teacher, MixMatch, ReMixMatch); the supervised base draws no unlabeled batch.
    public var defaultMu: Double { self == .fixmatch ? 2 : 1 }

    /// Mixup's α when `mixup-alpha` is not given: 0.5 in DASO's MixMatch configs, 0.75 for ReMixMatch.
    public var defaultMixupAlpha: Double { self == .mixmatch ? 0.5 : 0.75 }
}
