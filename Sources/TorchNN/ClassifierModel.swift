import Torch

/// A classification network that also exposes its penultimate feature vector (used by t-SNE plots,
/// cRT, DASO prototypes and RECORDS). `forward` returns just the logits.
public protocol ClassifierModel: Module {
    var featureDim: Int { get }
    var numClasses: Int { get }
    /// The classifier head's parameters (re-initialised or re-trained by cRT / LWS).
    var classifier: Module { get }
    func features(_ x: Tensor) throws -> Tensor
    func logits(fromFeatures f: Tensor) throws -> Tensor
}

extension ClassifierModel {
    public func forwardWithFeatures(_ x: Tensor) throws -> (logits: Tensor, features: Tensor) {
        let f = try features(x)
        return (try logits(fromFeatures: f), f)
    }
}
