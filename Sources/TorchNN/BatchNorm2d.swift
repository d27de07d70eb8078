import Torch

/// Batch normalisation over the channels of [N, C, H, W], with running statistics
/// (and PyTorch's `num_batches_tracked` buffer, so state dicts match key for key).
public final class BatchNorm2d: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let runningMean: Tensor
    public let runningVar: Tensor
    public let numBatchesTracked: Tensor
    public let momentum: Double
    public let eps: Double

    public init(_ channels: Int, momentum: Double = 0.1, eps: Double = 1e-5) throws {
        self.momentum = momentum
        self.eps = eps
        weight = try Tensor.ones([channels])
        bias = try Tensor.zeros([channels])
        runningMean = try Tensor.zeros([channels])
        runningVar = try Tensor.ones([channels])
        numBatchesTracked = try Tensor(scalar: 0, dtype: .int64)
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
        registerBuffer("num_batches_tracked", numBatchesTracked)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        if isTraining { try numBatchesTracked.addInPlace(Tensor(scalar: 1, dtype: .int64)) }
        return try Functional.batchNorm(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                        training: isTraining, momentum: momentum, eps: eps)
    }
}
