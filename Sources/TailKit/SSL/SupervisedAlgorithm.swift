import Torch
import TorchNN

/// DASO's `Supervised` baseline (`lib/algorithm/supervised.py`): cross entropy on the labeled batch,
/// L = CE(hook(z_l), y); the unlabeled set is not used and the raw model is evaluated.
///
/// ```swift
/// let losses = try SupervisedAlgorithm().losses(forward, addOn: NoAddOn())   // [("loss_cls", ...)]
/// ```
public final class SupervisedAlgorithm: SSLAlgorithm {
    public let kind = SSLAlgorithmKind.supervised
    public let unlabeledViews: String? = nil
    public let evaluatesEMA = false

    public init() {}

    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], step: Int) throws -> SSLForward {
        SSLForward(labeledLogits: try model(labeled), labels: labels, step: step)
    }

    public func losses(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> SSLLosses {
        SSLLosses(terms: [("loss_cls", try labeledLoss(forward, addOn: addOn))])
    }
}
