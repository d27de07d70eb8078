import Torch

/// Cosine classifier of LDAM (ISS 2.2): logits are cos(x, w_c), no bias. The weight is stored
/// [in, out] as in the reference, so checkpoints match. The scale s lives in the loss.
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
