/// Which parameters a run trains (Kang et al., "Decoupling representation and classifier", 2020).
public enum TrainingStage: String, CaseIterable, Codable, Sendable {
    /// Backbone and classifier together (stage 1, or the usual single stage).
    case joint
    /// Classifier re-training: the stage-1 backbone is frozen (BN statistics included), the
    /// classifier is re-initialised and trained with class-balanced sampling.
    case crt
    /// Learnable weight scaling: everything frozen, one learnable scale per class multiplies the
    /// logits; the scales are folded into the classifier when saving.
    case lws

    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public init(parsing text: String) throws {
        guard let stage = TrainingStage(rawValue: text.lowercased()) else {
            throw TailKitError.invalidOption("unknown stage '\(text)'; valid stages: \(TrainingStage.validNames)")
        }
        self = stage
    }
}
