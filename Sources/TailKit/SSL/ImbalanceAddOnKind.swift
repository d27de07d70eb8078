import TailData

/// The imbalance add-ons of `tailkit ssl --imbalance`, each composable with the base algorithms that
/// offer what it needs (see `SSLCapability`).
///
/// - `none`: the base algorithm as it is.
/// - `daso`: DASO (Oh et al., CVPR 2022): semantic pseudo-labels from a balanced prototype queue,
///   blended with the linear ones by distribution-aware weights, plus the semantic alignment loss.
/// - `darp`: DARP (Kim et al., NeurIPS 2020): the soft pseudo-labels of the whole unlabeled set refined
///   to match the (estimated) unlabeled class counts.
/// - `abc`: ABC (Lee et al., NeurIPS 2021): an auxiliary balanced head on the backbone's features,
///   trained with class-balanced Bernoulli masks on the labeled and the unlabeled loss; evaluation uses it.
/// - `la`: train-time logit adjustment of the labeled logits, z + τ log π (Menon et al., ICLR 2021;
///   DASO's `ALGORITHM.LOGIT_ADJUST`).
/// - `crest`: CReST / CReST+ (Wei et al., CVPR 2021): generations of self-training that add the EMA
///   model's most confident pseudo-labels, tail classes at higher rates, to the labeled set; CReST+
///   aligns the pseudo-label distribution with a temperature falling over the generations.
/// - `crt`: cRT (Kang et al., ICLR 2020): after the base's training, the classifier alone is
///   re-initialised and re-trained on class-balanced labeled draws, the encoder frozen.
///
/// ```swift
/// let addOn = try ImbalanceAddOnKind(parsing: "daso").make(config: ssl, labeledCounts: counts)
/// ```
public enum ImbalanceAddOnKind: String, NamedChoice, Codable, Sendable {
    case none
    case daso
    case darp
    case abc
    case la
    case crest
    case crt

    public static let choiceKind = "imbalance add-on"

    /// The add-on of this kind with the run's settings; `labeledCounts` are the labeled set's class
    /// counts, `unlabeledCount` the unlabeled set's size, `seed` the run's (ABC's mask draws),
    /// `darpTarget` DARP's target unlabeled counts when known (`SSLData.darpTarget`; nil: estimated).
    public func make(config: SSLConfig, labeledCounts: [Int], unlabeledCount: Int = 1, seed: UInt64 = 0,
                     darpTarget: [Double]? = nil) throws -> any ImbalanceAddOn {
        switch self {
        case .none: return NoAddOn()
        case .daso: return try DASOAddOn(config: config.daso, classes: labeledCounts.count, totalSteps: config.steps)
        case .darp:
            try config.darp.validate()
            return DARPAddOn(config: config.darp, unlabeledCount: unlabeledCount, classes: labeledCounts.count, steps: config.steps,
                             target: darpTarget)
        case .abc: return try ABCAddOn(labeledCounts: labeledCounts, threshold: config.threshold, emaDecay: config.emaDecay, seed: seed)
        case .la: return try LogitAdjustmentAddOn(labeledCounts: labeledCounts, tau: config.laTau)
        case .crest: return try CReSTAddOn(config: config.crest, labeledCounts: labeledCounts, steps: config.steps,
                                                alignsInHook: !config.algorithm.ownsDistributionAlignment)
        case .crt: return ClassifierRetrainingAddOn()
        }
    }
}
