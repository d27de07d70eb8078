/// cRT, classifier re-training (Kang et al., "Decoupling Representation and Classifier for Long-Tailed
/// Recognition", ICLR 2020; ytaek-oh/daso `lib/algorithm/classifier_retraining.py`, spec §4.14), as a
/// second stage of the same run (`SSLStagePlan.crt`): after the base's `steps`, the online model's
/// encoder is frozen with its batch-norm statistics fixed (eval mode: this project's rule for the
/// reference's train-mode BN, as `tailkit crt`), its classifier re-initialised and trained alone for
/// `crt-steps` with a fresh optimizer and lr schedule on the labeled images only, drawn class-balanced
/// (DASO's `ClassAwareSampler`: each sample weighted 1/n_c of its class, with replacement):
///
///     L = CE(W·f(x) + b, y),  f frozen,  x ~ class-balanced labeled draws
///
/// The raw model is evaluated in that stage (as DASO's cRT). The reference loads a finished run's
/// checkpoint and crashes while doing it (spec known bug 2); here it is one run, resumable in either
/// stage. The work is `SemiSupervisedTask.stageSwitch`; during the base's training the add-on changes
/// nothing, so it pairs with every base.
///
/// ```swift
/// var ssl = SSLConfig(algorithm: .fixmatch, imbalance: .crt)
/// ssl.crtSteps = 25_000        // after the 250 000 base steps
/// ```
public final class ClassifierRetrainingAddOn: ImbalanceAddOn {
    public let kind = ImbalanceAddOnKind.crt
    public let requirements: Set<SSLCapability> = [.labeledLogits]
    /// Whether the re-training stage has started.
    public internal(set) var retraining = false

    public init() {}

    public func evaluationMetrics() -> [String: Double] { ["crt_stage": retraining ? 1 : 0] }
}
