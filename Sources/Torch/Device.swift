import CTorch

/// Where a tensor lives. A run-time value, so one binary serves CPU and GPU machines.
public enum Device: Equatable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    /// Parses "cpu", "cuda" or "cuda:N".
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        if lower == "cpu" { self = .cpu; return }
        if lower == "cuda" || lower == "gpu" { self = .cuda(0); return }
        if lower.hasPrefix("cuda:"), let index = Int(lower.dropFirst(5)), index >= 0 { self = .cuda(index); return }
        throw TorchError.invalidArgument("unknown device '\(text)': use cpu, cuda or cuda:N")
    }

    /// Throws unless this process can compute on the device: `cuda:N` needs a libtorch built with CUDA
    /// (the shim built against a CUDA torch, `make shim-so`) and a visible GPU of index N.
    public func checkAvailable() throws {
        guard case .cuda(let index) = self else { return }
        let count = Torch.cudaDeviceCount
        guard count == 0 else {
            if index >= count { throw TorchError.invalidArgument("--device \(self): this machine has \(count) CUDA device(s), cuda:0 ... cuda:\(count - 1)") }
            return
        }
        throw TorchError.invalidArgument("--device \(self): this libtorch (\(Torch.version)) has no CUDA device (built without CUDA, or no GPU visible); use --device cpu, or run on a GPU machine with the shim built against its CUDA torch (make shim-so TORCH=...; README, \"Scale out\")")
    }

    var code: (type: Int32, index: Int32) {
        switch self {
        case .cpu: return (Int32(CT_CPU), 0)
        case .cuda(let i): return (Int32(CT_CUDA), Int32(i))
        }
    }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let i): return "cuda:\(i)"
        }
    }
}
