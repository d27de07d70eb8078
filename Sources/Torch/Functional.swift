import CTorch

/// How a loss combines per-sample values (torch's `reduction`).
public enum Reduction: Int32, Sendable {
    case none = 0, mean = 1, sum = 2
}

/// Padding modes of `Functional.pad`.
public enum PadMode: Int32, Sendable {
    case constant = 0, reflect = 1, replicate = 2
}

/// Neural-network functions (torch.nn.functional). Modules in TorchNN call these.
public enum Functional {
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
        try withExtendedLifetime(bias) {
            try .wrap(ct_conv2d(x.handle, weight.handle, bias?.handle, Int64(stride.0), Int64(stride.1), Int64(padding.0),
                                Int64(padding.1), Int64(dilation.0), Int64(dilation.1), Int64(groups)))
        }
    }

    /// `x W^T + b`.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        try withExtendedLifetime(bias) { try .wrap(ct_linear(x.handle, weight.handle, bias?.handle)) }
    }

    /// Batch normalisation. In training it normalises with batch statistics and updates the running
    /// ones in place (momentum as PyTorch: new = (1 - m) * old + m * batch); in eval it uses the running ones.
    public static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
                                 training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) throws -> Tensor {
        try withExtendedLifetime((weight, bias, runningMean, runningVar)) {
            try .wrap(ct_batch_norm(x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                                    training, momentum, eps))
        }
    }

    public static func relu(_ x: Tensor) throws -> Tensor { try x.unary(CT_RELU) }
    public static func leakyRelu(_ x: Tensor, slope: Double = 0.01) throws -> Tensor { try .wrap(ct_leaky_relu(x.handle, slope)) }

    public static func maxPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> Tensor {
        let s = Int64(stride ?? kernel)
        return try .wrap(ct_max_pool2d(x.handle, Int64(kernel), Int64(kernel), s, s, Int64(padding), Int64(padding)))
    }

    public static func avgPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> Tensor {
        let s = Int64(stride ?? kernel)
        return try .wrap(ct_avg_pool2d(x.handle, Int64(kernel), Int64(kernel), s, s, Int64(padding), Int64(padding)))
    }

    public static func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
        try .wrap(ct_adaptive_avg_pool2d(x.handle, Int64(outputSize.0), Int64(outputSize.1)))
    }

    public static func adaptiveMaxPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
        try .wrap(ct_adaptive_max_pool2d(x.handle, Int64(outputSize.0), Int64(outputSize.1)))
    }

    public static func dropout(_ x: Tensor, p: Double, training: Bool) throws -> Tensor { try .wrap(ct_dropout(x.handle, p, training)) }
    public static func softmax(_ x: Tensor, dim: Int) throws -> Tensor { try .wrap(ct_softmax(x.handle, Int64(dim))) }
    public static func logSoftmax(_ x: Tensor, dim: Int) throws -> Tensor { try .wrap(ct_log_softmax(x.handle, Int64(dim))) }

    /// Cross entropy of `logits` [N, C] against class indices (int64 [N]) or soft targets (float [N, C]),
    /// with optional class weights and label smoothing, exactly as torch.nn.functional.cross_entropy.
    public static func crossEntropy(_ logits: Tensor, target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean,
                                    labelSmoothing: Double = 0) throws -> Tensor {
        try withExtendedLifetime(weight) {
            try .wrap(ct_cross_entropy(logits.handle, target.handle, weight?.handle, reduction.rawValue, labelSmoothing))
        }
    }

    public static func nllLoss(_ logProbs: Tensor, target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) throws -> Tensor {
        try withExtendedLifetime(weight) { try .wrap(ct_nll_loss(logProbs.handle, target.handle, weight?.handle, reduction.rawValue)) }
    }

    public static func mseLoss(_ a: Tensor, _ b: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try .wrap(ct_mse_loss(a.handle, b.handle, reduction.rawValue))
    }

    /// Divides by the `p`-norm along `dim` (at least `eps`), as torch.nn.functional.normalize.
    public static func normalize(_ x: Tensor, p: Double = 2, dim: Int = 1, eps: Double = 1e-12) throws -> Tensor {
        try .wrap(ct_normalize(x.handle, p, Int64(dim), eps))
    }

    /// int64 one-hot rows of `labels`.
    public static func oneHot(_ labels: Tensor, numClasses: Int) throws -> Tensor { try .wrap(ct_one_hot(labels.handle, Int64(numClasses))) }

    public enum InterpolationMode: Int32, Sendable { case nearest = 0, bilinear = 1 }

    /// Resizes [N, C, H, W] to `size` (bilinear with align_corners=false).
    public static func interpolate(_ x: Tensor, size: (Int, Int), mode: InterpolationMode = .bilinear) throws -> Tensor {
        try .wrap(ct_interpolate(x.handle, Int64(size.0), Int64(size.1), mode.rawValue))
    }

    /// Pads the last dims; `pads` is (left, right, top, bottom, ...) as torch.nn.functional.pad.
    public static func pad(_ x: Tensor, _ pads: [Int], mode: PadMode = .constant, value: Double = 0) throws -> Tensor {
        let p = pads.map { Int64($0) }
        return try .wrap(ct_pad(x.handle, p, Int32(p.count), mode.rawValue, value))
    }
}
