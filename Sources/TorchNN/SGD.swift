import Torch

/// Stochastic gradient descent with momentum, dampening, weight decay and Nesterov, as torch.optim.SGD.
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public let momentum: Double
    public let dampening: Double
    public let weightDecay: Double
    public let nesterov: Bool
    private let buffers: [Tensor]

    public init(_ parameters: [Tensor], lr: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false) throws {
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw TorchError.invalidArgument("Nesterov momentum requires a momentum > 0 and zero dampening")
        }
        self.parameters = parameters
        self.learningRate = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.buffers = parameters.map { _ in Tensor.undefined() }
    }

    public func step() throws {
        try OptimizerKernels.sgdStep(parameters: parameters, buffers: buffers, lr: learningRate, momentum: momentum,
                                     dampening: dampening, weightDecay: weightDecay, nesterov: nesterov)
    }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    public func stateTensors() -> [(String, Tensor)] {
        definedState(buffers.enumerated().map { ("momentum_buffer.\($0.offset)", $0.element) })
    }

    public func loadStateTensors(_ state: [(String, Tensor)]) throws {
        try restore(buffers.enumerated().map { ("momentum_buffer.\($0.offset)", $0.element) }, from: state)
    }
}
