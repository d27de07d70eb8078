import Torch

/// y = x W^T + b, with PyTorch's default initialisation.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias hasBias: Bool = true) throws {
        weight = try Tensor.zeros([outFeatures, inFeatures])
        try Init.kaimingUniform(weight, a: 5.0.squareRoot())
        bias = hasBias ? try Tensor.zeros([outFeatures]) : nil
        super.init()
        registerParameter("weight", weight)
        if let bias {
            try Init.defaultBias(bias, fanIn: inFeatures)
            registerParameter("bias", bias)
        }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try Functional.linear(x, weight: weight, bias: bias)
    }

    /// Draws fresh weights with PyTorch's default initialisation (cRT re-initialises its classifier so).
    public override func resetParameters() throws {
        try withNoGrad {
            try Init.kaimingUniform(weight, a: 5.0.squareRoot())
            if let bias { try Init.defaultBias(bias, fanIn: weight.shape[1]) }
        }
    }
}
