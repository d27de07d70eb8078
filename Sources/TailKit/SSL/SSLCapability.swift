/// What a base algorithm offers an imbalance add-on. An add-on states what it needs; a pair where the
/// base lacks one of those is refused before training, with the reason (`SSLPairing.check`).
public enum SSLCapability: String, CaseIterable, Sendable, Comparable {
    /// Logits of the labeled batch (every base).
    case labeledLogits = "logits of the labeled batch"
    /// A class distribution per unlabeled image, from its weak view, that becomes its pseudo-label.
    case pseudoLabels = "pseudo-labels from a weak view of each unlabeled image"
    /// One distribution alignment of the weak view's prediction, at a temperature an add-on may give
    /// (CReST+'s t_g): in the pseudo-label hook, before any sharpening (Pseudo-Label, FixMatch), or as
    /// the base's own alignment (ReMixMatch, through `ImbalanceAddOn.alignmentTemperature`, as
    /// `lib/algorithm/rm_crest.py`). A base that aligned or sharpened before the hook without taking
    /// the temperature would make CReST+ align twice, so it lacks this.
    case temperedAlignment = "one distribution alignment of the weak view's prediction at the add-on's temperature"
    /// Encoder features of the weak and the strong view of each unlabeled image.
    case unlabeledFeatures = "features of a weak and a strong view of each unlabeled image"
    /// Encoder features of the labeled batch as it is (not mixed), from the forward pass that trains
    /// (ABC's head learns on them).
    case labeledFeatures = "features of the un-mixed labeled batch"
    /// An EMA copy of the model (DASO embeds its labeled images with it).
    case emaModel = "an EMA model"

    /// Declaration order, so refusals list the needs in a fixed order.
    public static func < (a: SSLCapability, b: SSLCapability) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}

/// Whether a base algorithm and an imbalance add-on can train together.
///
/// ```swift
/// try SSLPairing.check(base: SupervisedAlgorithm(), addOn: daso)
/// // throws "--imbalance daso cannot work with --algorithm supervised: daso needs pseudo-labels from ..."
/// ```
public enum SSLPairing {
    public static func check(base: any SSLAlgorithm, addOn: any ImbalanceAddOn) throws {
        let missing = addOn.requirements.subtracting(base.capabilities).sorted()
        guard !missing.isEmpty else { return }
        let needs = missing.map(\.rawValue).joined(separator: ", ")
        let bases = SSLAlgorithmKind.allCases.filter { addOn.requirements.isSubset(of: $0.capabilities) }.map(\.rawValue)
        throw TailKitError.invalidOption(
            "--imbalance \(addOn.kind.rawValue) cannot work with --algorithm \(base.kind.rawValue): \(addOn.kind.rawValue) needs "
            + "\(needs), which \(base.kind.rawValue) does not make"
            + (bases.isEmpty ? "" : " (bases it works with: \(bases.joined(separator: ", ")))"))
    }
}

extension SSLAlgorithmKind {
    /// What a base of this kind offers an add-on.
    public var capabilities: Set<SSLCapability> {
        switch self {
        case .supervised: return [.labeledLogits]
        case .pseudolabel: return [.labeledLogits, .pseudoLabels, .temperedAlignment, .emaModel]
        case .meanteacher: return [.labeledLogits, .emaModel]
        case .mixmatch: return [.labeledLogits, .emaModel]
        // The Mixup makes the labeled batch's features mixed ones, so no labeledFeatures.
        case .remixmatch: return [.labeledLogits, .pseudoLabels, .temperedAlignment, .unlabeledFeatures, .emaModel]
        case .fixmatch: return Set(SSLCapability.allCases)
        }
    }

    /// Whether the base aligns its guesses itself (ReMixMatch's `--dist-align`, on or off): an add-on
    /// that aligns (CReST+) then hands it a temperature instead of aligning in the pseudo-label hook,
    /// as `lib/algorithm/rm_crest.py` passes `gradual_temp` to ReMixMatch's `dist_align`.
    public var ownsDistributionAlignment: Bool { self == .remixmatch }
}
