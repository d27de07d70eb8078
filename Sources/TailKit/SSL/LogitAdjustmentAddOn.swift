import Foundation
import Torch

/// Train-time logit adjustment of the labeled loss (Menon et al., "Long-tail learning via logit
/// adjustment", ICLR 2021; DASO `ALGORITHM.LOGIT_ADJUST`): the labeled logits become
/// z + τ log π, π the labeled class frequencies, before the cross entropy. Works with every base.
///
/// ```swift
/// let la = try LogitAdjustmentAddOn(labeledCounts: [100, 10], tau: 1)
/// let z = try la.labeledLogits(logits)     // logits + log([100/110, 10/110])
/// ```
public final class LogitAdjustmentAddOn: ImbalanceAddOn {
    public let kind = ImbalanceAddOnKind.la
    public let requirements: Set<SSLCapability> = [.labeledLogits]
    /// τ log π per class.
    public let offsets: [Float]

    public init(labeledCounts: [Int], tau: Double) throws {
        let total = Double(labeledCounts.reduce(0, +))
        guard total > 0, labeledCounts.allSatisfy({ $0 > 0 }) else {
            throw TailKitError.invalidOption("logit adjustment needs at least one labeled image of every class, got counts \(labeledCounts)")
        }
        offsets = labeledCounts.map { Float(tau * Foundation.log(Double($0) / total)) }
    }

    public func labeledLogits(_ logits: Tensor) throws -> Tensor {
        try logits + (try Tensor(offsets).to(device: logits.device).to(logits.dtype))
    }
}
