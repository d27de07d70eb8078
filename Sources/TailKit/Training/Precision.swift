import Torch

/// The numeric precision of a run's forward passes (`--precision`, `precision:` in `config.yaml`).
///
/// - `fp32`: everything in float32 (the default).
/// - `bf16`: libtorch's autocast with bfloat16 (`torch.autocast(device, torch.bfloat16)`):
///   convolutions and matrix products in bf16 on the CPU's bf16 units (or a GPU's), losses, softmax,
///   norms and reductions in fp32; weights, gradients' accumulation and optimizer state stay fp32.
///   bf16 keeps fp32's exponent range, so no loss scaling is needed.
/// - `fp16`: autocast with float16 and a dynamic loss scale (`GradScaler`), CUDA only.
///
/// Checkpoints are always float32, whatever the precision.
///
/// ```swift
/// let p = try Precision(parsing: "bf16")
/// try p.check(device: .cpu)
/// let logits = try p.autocast(device: .cpu) { try model(x) }
/// ```
public enum Precision: String, NamedChoice, Codable, Sendable {
    case fp32
    case bf16
    case fp16

    public static let choiceKind = "precision"

    /// The autocast dtype, nil for fp32.
    public var dtype: DType? {
        switch self {
        case .fp32: return nil
        case .bf16: return .bfloat16
        case .fp16: return .float16
        }
    }

    /// Refuses a precision the device cannot run well, saying why and what to use instead.
    public func check(device: Device, cpu: CPUFeatures = .current) throws {
        switch (self, device) {
        case (.fp16, .cpu):
            throw TailKitError.invalidOption("--precision fp16 needs a CUDA device (fp16 autocast with loss scaling is the GPU recipe); on the CPU use --precision bf16")
        case (.bf16, .cpu) where !cpu.hasBF16:
            throw TailKitError.invalidOption("--precision bf16: this CPU has no bf16 units (/proc/cpuinfo lists neither amx_bf16 nor avx512_bf16), so bf16 would run emulated, slower than fp32; use --precision fp32")
        default:
            return
        }
    }

    /// `body` under autocast in this precision (as it is for fp32).
    public func autocast<T>(device: Device, _ body: () throws -> T) throws -> T {
        guard let dtype else { return try body() }
        return try Autocast.run(dtype, device: device, body)
    }
}
