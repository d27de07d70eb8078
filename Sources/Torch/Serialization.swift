import TorchFile

/// Tensors to and from PyTorch's own checkpoint format (`torch.save` files: zip, and legacy for reading), so that files
/// move freely between TailKit and Python: `torch.load(path, weights_only=True)` reads what
/// TailKit writes, and TailKit reads `torch.save`d dicts, state dicts and reference checkpoints.
extension Tensor {
    /// A CPU tensor with a stored tensor's values (views of a larger storage are copied out).
    public convenience init(_ stored: StoredTensor) throws {
        guard let dtype = DType(stored.dtype) else {
            throw TorchError.invalidArgument("tensor of dtype \(stored.dtype.rawValue) is not supported by TailKit")
        }
        try self.init(bytes: try stored.contiguousBytes(), dtype: dtype, shape: stored.shape)
    }

    /// This tensor's values as a checkpoint entry (contiguous, on the CPU).
    public func stored() throws -> StoredTensor {
        let cpu = device == .cpu ? self : try to(device: .cpu)
        return StoredTensor(dtype: dtype.storedType, shape: shape, contiguousData: try cpu.contiguousBytes(),
                            requiresGrad: false)
    }
}

extension DType {
    init?(_ stored: TorchScalarType) {
        switch stored {
        case .float32: self = .float32
        case .float64: self = .float64
        case .float16: self = .float16
        case .bfloat16: self = .bfloat16
        case .int64: self = .int64
        case .int32: self = .int32
        case .uint8: self = .uint8
        case .bool: self = .bool
        case .int16, .int8: return nil
        }
    }

    var storedType: TorchScalarType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .int64: return .int64
        case .int32: return .int32
        case .uint8: return .uint8
        case .bool: return .bool
        }
    }
}

extension Torch {
    /// Saves named tensors as an OrderedDict (a state dict), as `torch.save(model.state_dict(), path)`.
    public static func save(_ tensors: [(String, Tensor)], to path: String) throws {
        try TorchFile.save(.stateDict(tensors.map { ($0.0, try $0.1.stored()) }), to: path)
    }

    /// Loads the named tensors of a `torch.save` file (zip or legacy format): a dict or OrderedDict of tensors, or a
    /// checkpoint dict holding one under `state_dict`. Names keep their file order.
    public static func loadTensors(from path: String) throws -> [(String, Tensor)] {
        try TorchFile.loadTensorDict(path: path).map { ($0.0, try Tensor($0.1)) }
    }
}
