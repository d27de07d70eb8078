import Torch
import TorchNN

/// A classifier that scores with another head on a backbone's features: logits = head(f(x)).
/// ABC evaluates so (spec `shared/spec/daso.md` §2.4: "Evaluation uses the ABC classifier";
/// ytaek-oh/daso `lib/models/abc_model.py`); the backbone's own classifier is unused.
///
/// ```swift
/// let scored = AuxiliaryHeadModel(backbone: ema.model, head: abcHead)
/// let output = try evaluator.run(scored, on: test)
/// ```
public final class AuxiliaryHeadModel: Module, ClassifierModel {
    public let backbone: any ClassifierModel
    public let head: Linear

    public init(backbone: any ClassifierModel, head: Linear) {
        self.backbone = backbone
        self.head = head
        super.init()
        _ = registerModule("backbone", backbone as Module)
        _ = registerModule("abc_classifier", head)
    }

    public var featureDim: Int { backbone.featureDim }
    public var numClasses: Int { head.weight.shape[0] }
    public var classifier: Module { head }
    public func features(_ x: Tensor) throws -> Tensor { try backbone.features(x) }
    public func logits(fromFeatures f: Tensor) throws -> Tensor { try head(f) }
    public override func forward(_ x: Tensor) throws -> Tensor { try logits(fromFeatures: try features(x)) }
}
