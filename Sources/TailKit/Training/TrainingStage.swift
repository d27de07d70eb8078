/// Which parameters a run trains (Kang et al., "Decoupling representation and classifier", ICLR
/// 2020; the `cls_crt.yaml` stage of imbalanced-semi-self's `imagenet_inat/main.py`).
///
/// ```swift
/// var config = TrainConfig()
/// config.stage = try TrainingStage(parsing: "crt").rawValue
/// ```
public enum TrainingStage: String, NamedChoice, Codable, Sendable {
    /// Backbone and classifier together (stage 1, or the usual single stage).
    case joint
    /// Classifier re-training: the stage-1 backbone's parameters are frozen (its BN layers run in
    /// train mode and re-estimate their running statistics, as the reference's do), the
    /// classifier is re-initialised and trained with class-balanced sampling.
    case crt
    /// Learnable weight scaling: everything frozen, one learnable scale per class multiplies the
    /// logits; the scales are folded into the classifier when saving.
    case lws

    public static let choiceKind = "stage"
}
