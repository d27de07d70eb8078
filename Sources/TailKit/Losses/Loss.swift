import Torch

/// The training objectives TailKit offers, by the names the CLI takes.
///
/// ```swift
/// let kind = try LossKind(parsing: "ldam")
/// let loss = try makeLoss(kind, classCounts: [5000, 500, 50])
/// ```
public enum LossKind: String, NamedChoice, Codable, Sendable {
    /// Softmax cross entropy.
    case ce
    /// Focal loss, γ = 1.
    case focal
    /// LDAM: margins m_c ∝ n_c^{−1/4} on cosine logits, scale 30.
    case ldam
    /// Logit-adjusted cross entropy (Menon et al.): CE(z + τ log π).
    case logitAdjusted = "la"
    /// Balanced Softmax (Ren et al.): CE(z + log n_c), logit adjustment with τ = 1.
    case balancedSoftmax = "bs"

    /// LDAM works on cosines, so its model gets the NormedLinear head (`use_norm` in
    /// imbalanced-semi-self's `models/resnet_cifar.py`, set by `train.py` for LDAM).
    public var wantsNormedClassifier: Bool { self == .ldam }

    public static let choiceKind = "loss"
    public static let choiceKindPlural = "losses"
}

/// A loss over logits [N, C] and int64 labels [N], optionally weighted per class.
public protocol Loss {
    func callAsFunction(_ logits: Tensor, _ labels: Tensor, classWeights: Tensor?) throws -> Tensor
}

/// Builds the loss for a kind from the training set's per-class counts.
public func makeLoss(_ kind: LossKind, classCounts: [Int], tau: Double = 1) throws -> Loss {
    switch kind {
    case .ce: return CrossEntropyLoss()
    case .focal: return FocalLoss(gamma: 1)
    case .ldam: return try LDAMLoss(classCounts: classCounts)
    case .logitAdjusted: return try LogitAdjustedLoss(classCounts: classCounts, tau: tau)
    case .balancedSoftmax: return try LogitAdjustedLoss(classCounts: classCounts, tau: 1)
    }
}

/// Softmax cross entropy, ℓ_i = −log softmax(z_i)_{y_i}; with class weights, PyTorch's weighted
/// mean Σ w_y ℓ / Σ w_y.
///
/// ```swift
/// let loss = try CrossEntropyLoss()(logits, labels, classWeights: nil)
/// ```
public struct CrossEntropyLoss: Loss {
    public init() {}
    public func callAsFunction(_ logits: Tensor, _ labels: Tensor, classWeights: Tensor?) throws -> Tensor {
        try Functional.crossEntropy(logits, target: labels, weight: classWeights)
    }
}
