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

extension ClassifierModel {
    /// The classifier's name in the state dict ("fc" for the CIFAR and torchvision ResNets, "classifier" for the WRN).
    public var classifierName: String {
        namedModules().first { $0.1 === classifier }?.0 ?? "fc"
    }

    /// Whether a state-dict key belongs to the classifier head.
    public func isClassifierKey(_ key: String) -> Bool { key.hasPrefix(classifierName + ".") }

    /// The Linear layer that produces the logits, with its full state-dict prefix
    /// (e.g. "classifier.classifier" for the WRN); nil for a cosine (NormedLinear) head.
    public var logitLinear: (prefix: String, layer: Linear)? {
        for (name, m) in classifier.namedModules() {
            if let linear = m as? Linear { return (name.isEmpty ? classifierName : "\(classifierName).\(name)", linear) }
        }
        return nil
    }

    /// Re-draws the classifier head with its layers' default initialisation (cRT).
    public func resetClassifier() throws {
        for (_, m) in classifier.namedModules() where m is Linear || m is NormedLinear { try m.resetParameters() }
    }
}
