import Torch

/// Adam, or AdamW with `decoupledWeightDecay`, as torch.optim.Adam / AdamW.
public final class Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let eps: Double
    public let weightDecay: Double
    public let decoupledWeightDecay: Bool
    public private(set) var stepCount = 0
    private let expAvg: [Tensor]
    private let expAvgSq: [Tensor]

    public init(_ parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false) {
        self.parameters = parameters
        self.learningRate = lr
        self.beta1 = betas.0
        self.beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        expAvg = parameters.map { _ in Tensor.undefined() }
        expAvgSq = parameters.map { _ in Tensor.undefined() }
    }

    public func step() throws {
        stepCount += 1
        try OptimizerKernels.adamStep(parameters: parameters, expAvg: expAvg, expAvgSq: expAvgSq, step: stepCount,
                                      lr: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                      decoupled: decoupledWeightDecay)
    }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    private var slots: [(String, Tensor)] {
        expAvg.enumerated().map { ("exp_avg.\($0.offset)", $0.element) }
            + expAvgSq.enumerated().map { ("exp_avg_sq.\($0.offset)", $0.element) }
    }

    public func stateTensors() -> [(String, Tensor)] {
        definedState(slots) + [("step", (try? Tensor([Int64(stepCount)], shape: [])) ?? Tensor.undefined())]
    }

    public func loadStateTensors(_ state: [(String, Tensor)]) throws {
        try restore(slots, from: state)
        if let step = state.first(where: { $0.0 == "step" })?.1 { stepCount = try step.itemInt() }
    }
}
