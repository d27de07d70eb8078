import CTorch

/// The fused parameter updates the optimizers in TorchNN call. They run in C++ under no-grad, one
/// call per step for all parameters, with torch.optim's exact arithmetic.
public enum OptimizerKernels {
    /// SGD with momentum, dampening, weight decay and Nesterov (torch.optim.SGD). `buffers[i]` starts
    /// undefined and is created on the first step that sees a gradient.
    public static func sgdStep(parameters: [Tensor], buffers: [Tensor], lr: Double, momentum: Double,
                               dampening: Double, weightDecay: Double, nesterov: Bool) throws {
        precondition(parameters.count == buffers.count, "one momentum buffer per parameter")
        let p: [OpaquePointer?] = parameters.map { $0.handle }
        let b: [OpaquePointer?] = buffers.map { $0.handle }
        _ = try withExtendedLifetime((parameters, buffers)) {
            try checkStatus(ct_sgd_step(p, b, Int32(p.count), lr, momentum, dampening, weightDecay, nesterov))
        }
    }

    /// Adam / AdamW (decoupled weight decay) with bias correction at `step` (1-based).
    public static func adamStep(parameters: [Tensor], expAvg: [Tensor], expAvgSq: [Tensor], step: Int, lr: Double,
                                beta1: Double, beta2: Double, eps: Double, weightDecay: Double, decoupled: Bool) throws {
        precondition(parameters.count == expAvg.count && parameters.count == expAvgSq.count, "one state per parameter")
        let p: [OpaquePointer?] = parameters.map { $0.handle }
        let m: [OpaquePointer?] = expAvg.map { $0.handle }
        let v: [OpaquePointer?] = expAvgSq.map { $0.handle }
        _ = try withExtendedLifetime((parameters, expAvg, expAvgSq)) {
            try checkStatus(ct_adam_step(p, m, v, Int32(p.count), Int64(step), lr, beta1, beta2, eps, weightDecay, decoupled))
        }
    }
}
