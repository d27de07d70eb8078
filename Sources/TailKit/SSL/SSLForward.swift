import Torch

/// What one forward pass of a base algorithm gives, for its losses and for the add-on's hooks:
/// the labeled logits and, for bases that use unlabeled data, the weak and strong views' logits and
/// encoder features (one forward over [x_l; u_w; u_s], so batch norm sees all of them, as FixMatch).
public struct SSLForward {
    public var labeledLogits: Tensor
    public var labels: Tensor
    public var weakLogits: Tensor?
    public var strongLogits: Tensor?
    /// Encoder features of the labeled batch (FixMatch; ABC's head learns on them).
    public var labeledFeatures: Tensor?
    public var weakFeatures: Tensor?
    public var strongFeatures: Tensor?
    /// The EMA teacher's logits on its own view of the unlabeled batch (Mean Teacher), without gradient.
    public var teacherLogits: Tensor?
    /// MixMatch's mixed soft targets, rows in the order [labeled logits; weak logits].
    public var mixedTargets: Tensor?
    /// ReMixMatch's guess q per unlabeled image (after the add-on's pseudo-label hook), no gradient.
    public var guess: Tensor?
    /// ReMixMatch's rotation head logits on the turned strong view 1, and the turns (int64, 0…3).
    public var rotationLogits: Tensor?
    public var rotationLabels: Tensor?
    /// The 0-based training step.
    public var step: Int
    /// Each unlabeled image's index in the unlabeled set (DARP keeps a table by it).
    public var unlabeledIndices: [Int] = []

    public init(labeledLogits: Tensor, labels: Tensor, weakLogits: Tensor? = nil, strongLogits: Tensor? = nil,
                labeledFeatures: Tensor? = nil, weakFeatures: Tensor? = nil, strongFeatures: Tensor? = nil,
                teacherLogits: Tensor? = nil, step: Int) {
        self.labeledLogits = labeledLogits
        self.labels = labels
        self.weakLogits = weakLogits
        self.strongLogits = strongLogits
        self.labeledFeatures = labeledFeatures
        self.weakFeatures = weakFeatures
        self.strongFeatures = strongFeatures
        self.teacherLogits = teacherLogits
        self.step = step
    }
}

/// The losses of one step by name (summed into the step's loss, each logged) and the pseudo-labels
/// the step made.
public struct SSLLosses {
    public var terms: [(name: String, value: Tensor)]
    public var pseudoLabels: PseudoLabelBatch?

    public init(terms: [(name: String, value: Tensor)], pseudoLabels: PseudoLabelBatch? = nil) {
        self.terms = terms
        self.pseudoLabels = pseudoLabels
    }

    /// Σ of the terms.
    public func total() throws -> Tensor {
        guard var sum = terms.first?.value else { throw TailKitError.invalidOption("a semi-supervised step made no loss") }
        for term in terms.dropFirst() { sum = try sum + term.value }
        return sum
    }
}

/// The final hard pseudo-labels of an unlabeled batch, their confidences and which of them pass
/// the threshold (the mask of the unlabeled loss).
public struct PseudoLabelBatch: Equatable {
    public var labels: [Int]
    public var confidences: [Double]
    public var mask: [Bool]

    public init(labels: [Int], confidences: [Double], mask: [Bool]) {
        self.labels = labels
        self.confidences = confidences
        self.mask = mask
    }

    /// The share of the batch whose pseudo-label is used.
    public var maskRatio: Double { Double(mask.filter { $0 }.count) / Double(max(1, mask.count)) }
}

/// The state a step hands an add-on before the forward pass: the labeled batch and the EMA model.
public struct SSLStepContext {
    public var labeledImages: Tensor
    public var labels: Tensor
    public var ema: (any ClassifierModelReference)?
    public var step: Int

    public init(labeledImages: Tensor, labels: Tensor, ema: (any ClassifierModelReference)?, step: Int) {
        self.labeledImages = labeledImages
        self.labels = labels
        self.ema = ema
        self.step = step
    }
}

/// A model an add-on may embed images with (the EMA copy).
public protocol ClassifierModelReference: AnyObject {
    /// Encoder features of `x`, in the model's current (train) mode, without gradient.
    func features(of x: Tensor) throws -> Tensor
}
