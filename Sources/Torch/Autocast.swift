import CTorch

/// libtorch's automatic mixed precision, as `torch.autocast(device_type, dtype)` switches it on:
/// inside the region, ops on libtorch's lower-precision list (convolutions, matrix products, linear
/// layers) run in `dtype`, ops on its fp32 list (losses, softmax, norms, reductions) in float32, and
/// the rest in the widest input type. The region is the calling thread's, as in PyTorch. Weights
/// stay float32 (the "master" copy); gradients flow back in each op's own precision.
///
/// ```swift
/// let logits = try Autocast.run(.bfloat16, device: .cpu) { try model(x) }   // conv/linear in bf16
/// let loss = try Functional.crossEntropy(logits, target: y)                 // outside: fp32 as usual
/// ```
public enum Autocast {
    /// Runs `body` with autocast on for `device`'s type in `dtype`; restores the previous state after.
    public static func run<T>(_ dtype: DType, device: Device = .cpu, _ body: () throws -> T) throws -> T {
        let type = device.code.type
        var previousDType: Int32 = 0
        let wasEnabled = try checkStatus(ct_autocast_enter(type, dtype.rawValue, &previousDType))
        defer { _ = ct_autocast_exit(type, wasEnabled != 0, previousDType) }
        return try body()
    }

    /// Whether autocast is on for `device`'s type in this thread.
    public static func isEnabled(device: Device = .cpu) -> Bool { ct_autocast_is_enabled(device.code.type) }
}

/// Dynamic loss scaling for fp16 training, as `torch.amp.GradScaler`: the loss is multiplied by S
/// before backward so that small gradients survive fp16; the gradients are then divided by S, and if
/// any is inf/NaN the optimizer step is skipped and S ← S · backoff (0.5); after `growthInterval`
/// (2000) clean steps in a row S ← S · growth (2). Starts at S = 2^16.
///
/// ```swift
/// let scaler = try GradScaler()
/// try (loss * scaler.scale).backward()
/// if try scaler.unscale(parameters) { try optimizer.step() }     // false: step skipped
/// try scaler.update()
/// ```
public final class GradScaler {
    public let growthFactor: Double
    public let backoffFactor: Double
    public let growthInterval: Int
    /// S, a one-element float32 tensor.
    public let scaleTensor: Tensor
    /// Clean steps since the last change of S.
    public let growthTracker: Tensor
    private let foundInf: Tensor
    /// Steps skipped so far because a gradient overflowed.
    public private(set) var skippedSteps = 0

    public init(initialScale: Double = 65536, growthFactor: Double = 2, backoffFactor: Double = 0.5, growthInterval: Int = 2000,
                device: Device = .cpu) throws {
        self.growthFactor = growthFactor
        self.backoffFactor = backoffFactor
        self.growthInterval = growthInterval
        scaleTensor = try Tensor.full([1], initialScale, device: device)
        growthTracker = try Tensor.zeros([1], dtype: .int32, device: device)
        foundInf = try Tensor.zeros([1], device: device)
    }

    /// The current loss scale S.
    public var scale: Double { (try? scaleTensor.item()) ?? .nan }

    /// Divides the gradients of `parameters` by S; false when one of them is inf or NaN (skip the step).
    public func unscale(_ parameters: [Tensor]) throws -> Bool {
        try foundInf.zero()
        let grads = parameters.compactMap(\.grad)
        let inverse = try scaleTensor.reciprocal()
        let handles: [OpaquePointer?] = grads.map { $0.handle }
        _ = try withExtendedLifetime((grads, inverse)) {
            try checkStatus(ct_amp_unscale(handles, Int32(handles.count), foundInf.handle, inverse.handle))
        }
        let clean = try foundInf.item() == 0
        if !clean { skippedSteps += 1 }
        return clean
    }

    /// GradScaler.update(): back off after an overflow, grow after `growthInterval` clean steps.
    public func update() throws {
        _ = try checkStatus(ct_amp_update_scale(scaleTensor.handle, growthTracker.handle, foundInf.handle, growthFactor,
                                                backoffFactor, Int64(growthInterval)))
    }
}
