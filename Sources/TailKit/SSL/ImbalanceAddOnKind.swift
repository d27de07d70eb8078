/// The imbalance add-ons of `tailkit ssl --imbalance`, each composable with the base algorithms that
/// offer what it needs (see `SSLCapability`).
///
/// - `none`: the base algorithm as it is.
/// - `daso`: DASO (Oh et al., CVPR 2022): semantic pseudo-labels from a balanced prototype queue,
///   blended with the linear ones by distribution-aware weights, plus the semantic alignment loss.
/// - `la`: train-time logit adjustment of the labeled logits, z + τ log π (Menon et al., ICLR 2021;
///   DASO's `ALGORITHM.LOGIT_ADJUST`).
///
/// ```swift
/// let addOn = try ImbalanceAddOnKind(parsing: "daso").make(config: ssl, labeledCounts: counts)
/// ```
public enum ImbalanceAddOnKind: String, NamedChoice, Codable, Sendable {
    case none
    case daso
    case la

    public static let choiceKind = "imbalance add-on"

    /// The add-on of this kind with the run's settings; `labeledCounts` are the labeled set's class counts.
    public func make(config: SSLConfig, labeledCounts: [Int]) throws -> any ImbalanceAddOn {
        switch self {
        case .none: return NoAddOn()
        case .daso: return try DASOAddOn(config: config.daso, classes: labeledCounts.count, totalSteps: config.steps)
        case .la: return try LogitAdjustmentAddOn(labeledCounts: labeledCounts, tau: config.laTau)
        }
    }
}
