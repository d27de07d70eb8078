/// The base semi-supervised algorithms of `tailkit ssl --algorithm` (DASO's `ALGORITHM.NAME`).
///
/// - `supervised`: cross entropy on the labeled batches only; the unlabeled set is not used.
/// - `fixmatch`: FixMatch (Sohn et al., NeurIPS 2020): hard pseudo-labels from the weak view of an
///   unlabeled image, kept above a confidence threshold, taught to the strong view.
///
/// ```swift
/// let kind = try SSLAlgorithmKind(parsing: "fixmatch")
/// let base = kind.make(config: ssl)
/// ```
public enum SSLAlgorithmKind: String, NamedChoice, Codable, Sendable {
    case supervised
    case fixmatch

    public static let choiceKind = "algorithm"

    /// The base algorithm of this kind with the run's settings.
    public func make(config: SSLConfig) -> any SSLAlgorithm {
        switch self {
        case .supervised: return SupervisedAlgorithm()
        case .fixmatch: return FixMatchAlgorithm(threshold: config.threshold, unlabeledWeight: config.unlabeledWeight)
        }
    }
}
