import Torch

/// 2-D convolution over [N, C, H, W], with PyTorch's default initialisation.
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    public let groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, bias hasBias: Bool = true) throws {
        guard inChannels % groups == 0, outChannels % groups == 0 else {
            throw TorchError.invalidArgument("Conv2d: channels \(inChannels)->\(outChannels) not divisible by groups \(groups)")
        }
        self.stride = stride
        self.padding = padding
        self.groups = groups
        weight = try Tensor.zeros([outChannels, inChannels / groups, kernelSize, kernelSize])
        try Init.kaimingUniform(weight, a: 5.0.squareRoot())
        bias = hasBias ? try Tensor.zeros([outChannels]) : nil
        super.init()
        registerParameter("weight", weight)
        if let bias {
            try Init.defaultBias(bias, fanIn: Init.fans(weight.shape).fanIn)
            registerParameter("bias", bias)
        }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try Functional.conv2d(x, weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding), groups: groups)
    }
}
