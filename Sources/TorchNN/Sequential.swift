import Torch

/// Runs its children in order; they are named "0", "1", ... as in PyTorch.
public final class Sequential: Module {
    public let layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
        for (i, layer) in layers.enumerated() { registerModule(String(i), layer) }
    }

    public convenience init(_ layers: Module...) { self.init(layers) }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try $1.forward($0) }
    }
}

/// Elementwise activations and reshapes as modules, for use inside `Sequential`.
public final class ReLU: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.relu(x) }
}

public final class LeakyReLU: Module {
    public let slope: Double
    public init(slope: Double = 0.01) { self.slope = slope; super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { try Functional.leakyRelu(x, slope: slope) }
}

public final class Tanh: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try x.tanh() }
}

public final class Flatten: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try x.flatten(start: 1) }
}
