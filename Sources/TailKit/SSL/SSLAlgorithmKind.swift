/// The base semi-supervised algorithms of `tailkit ssl --algorithm` (DASO's `ALGORITHM.NAME`).
///
/// - `supervised`: cross entropy on the labeled batches only; the unlabeled set is not used.
/// - `pseudolabel`: Pseudo-Label (Lee, 2013): hard pseudo-labels of one weak view above the threshold,
///   taught to the same view, weighted by a linear ramp over `ramp-ratio` of the steps.
/// - `meanteacher`: Mean Teacher (Tarvainen & Valpola, 2017): MSE between the student's softmax on one
///   weak view and the EMA teacher's on another, weight 50 ramped linearly over `ramp-ratio` of the steps.
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
    case fixmatch

    public static let choiceKind = "algorithm"

    /// The base algorithm of this kind with the run's settings.
    public func make(config: SSLConfig) -> any SSLAlgorithm {
        switch self {
        case .supervised: return SupervisedAlgorithm()
        case .pseudolabel:
            return PseudoLabelAlgorithm(threshold: config.threshold, unlabeledWeight: config.unlabeledWeight,
                                        rampSteps: Int(Double(config.steps) * config.rampRatio))
        case .meanteacher:
            return MeanTeacherAlgorithm(unlabeledWeight: config.unlabeledWeight, rampSteps: Int(Double(config.steps) * config.rampRatio))
        case .fixmatch: return FixMatchAlgorithm(threshold: config.threshold, unlabeledWeight: config.unlabeledWeight)
        }
    }

    /// λ_u when `unlabeled-weight` is not given: 50 for Mean Teacher (DASO's MeanTeacher configs), 1 otherwise.
    public var defaultUnlabeledWeight: Double { self == .meanteacher ? 50 : 1 }
}
