import Torch

/// Cosine classifier of LDAM (Cao et al., NeurIPS 2019), as `NormedLinear` in imbalanced-semi-self's
/// `models/resnet_cifar.py` (Yang & Xu, NeurIPS 2020): out_c = ⟨x / ‖x‖, w_c / ‖w_c‖⟩ = cos(x, w_c),
/// no bias. The weight is stored [in, out] as in the reference, so checkpoints match. The scale s
/// lives in the loss.
///
/// ```swift
/// let head = try NormedLinear(64, 10)
/// let cosines = try head(Tensor.randn([8, 64]))     // [8, 10], each in [-1, 1]
/// ```
public final class NormedLinear: Module {
    public let weight: Tensor

    public init(_ inFeatures: Int, _ outFeatures: Int) throws {
        // Reference init: U(-1, 1), then every column renormed to unit length.
        weight = try Tensor.zeros([inFeatures, outFeatures])
        super.init()
        registerParameter("weight", weight)
        try resetParameters()
    }

    public override func resetParameters() throws {
        try withNoGrad {
            let w = try Tensor.zeros(weight.shape).uniform(-1, 1)
            try weight.copy(from: Functional.normalize(w, dim: 0))
        }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try Functional.normalize(x, dim: 1).matmul(Functional.normalize(weight, dim: 0))
    }
}
