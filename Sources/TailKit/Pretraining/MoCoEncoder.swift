import Torch
import TorchNN

/// A MoCo encoder: a backbone's pooled features, then the projection head (MoCo v2's MLP,
/// Linear(f, f) -> ReLU -> Linear(f, dim), or one Linear without it). The reference replaces a
/// torchvision ResNet-50's `fc` by the head; here any `ClassifierModel` backbone works (its
/// own classifier is left unused and untrained), so the backbone keeps the supervised model's
/// key names and its weights go to `tailkit train --pretrained` as they are.
public final class MoCoEncoder: Module {
    public let backbone: any ClassifierModel
    public let head: Sequential
    /// The name of the backbone's classifier in its state dict ("linear" for ResNetCIFAR).
    public let classifierName: String

    public init(backbone: any ClassifierModel, dim: Int, mlp: Bool = true) throws {
        self.backbone = backbone
        let f = backbone.featureDim
        head = mlp ? Sequential(try Linear(f, f), ReLU(), try Linear(f, dim)) : Sequential(try Linear(f, dim))
        classifierName = backbone.classifierName
        super.init()
        registerModule("backbone", backbone as Module)
        registerModule("head", head)
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try head(backbone.features(x)) }

    /// The backbone's weights and buffers under its own key names, without its classifier.
    public func backboneStateDict() -> [(String, Tensor)] {
        backbone.stateDict().filter { !$0.0.hasPrefix(classifierName + ".") }
    }

    /// The parameters that take part in `forward`, in a fixed order: the backbone's (not its
    /// classifier's) then the head's.
    public func encoderParameters() -> [Tensor] {
        let unused = Set(backbone.classifier.parameters().map { ObjectIdentifier($0) })
        return backbone.parameters().filter { !unused.contains(ObjectIdentifier($0)) } + head.parameters()
    }
}
