import CTorch

extension Tensor {
    /// A tensor holding a copy of `values` with the given shape (one dim of `values.count` if nil).
    public convenience init<T: TensorScalar>(_ values: [T], shape: [Int]? = nil) throws {
        let dims = shape ?? [values.count]
        let expected = dims.reduce(1, *)
        guard expected == values.count, dims.allSatisfy({ $0 >= 0 }) else {
            throw TorchError.invalidArgument("\(values.count) values do not fill a tensor of shape \(dims)")
        }
        try self.init(copying: values, dtype: T.dtype, shape: dims)
    }

    /// A tensor built from raw little-endian bytes of `dtype` (e.g. uint8 images or a saved storage).
    public convenience init(bytes: [UInt8], dtype: DType, shape: [Int]) throws {
        let expected = shape.reduce(1, *) * dtype.byteSize
        guard expected == bytes.count else {
            throw TorchError.invalidArgument("\(bytes.count) bytes do not fill a \(dtype) tensor of shape \(shape)")
        }
        try self.init(copying: bytes, dtype: dtype, shape: shape)
    }

    /// A tensor copied from a raw buffer the caller owns, `shape.product * dtype.byteSize` bytes.
    public convenience init(copyingBuffer buffer: UnsafeRawBufferPointer, dtype: DType, shape: [Int]) throws {
        guard buffer.count == shape.reduce(1, *) * dtype.byteSize else {
            throw TorchError.invalidArgument("buffer of \(buffer.count) bytes does not fill a \(dtype) tensor of shape \(shape)")
        }
        Torch.ensureInitialized()
        let dims = shape.map { Int64($0) }
        guard let h = ct_from_data(buffer.baseAddress, dtype.rawValue, dims, Int32(dims.count)) else { throw TorchError.last() }
        self.init(handle: h)
    }

    private convenience init<T>(copying values: [T], dtype: DType, shape: [Int]) throws {
        Torch.ensureInitialized()
        let dims = shape.map { Int64($0) }
        let h = values.withUnsafeBytes { ct_from_data($0.baseAddress, dtype.rawValue, dims, Int32(dims.count)) }
        guard let h else { throw TorchError.last() }
        self.init(handle: h)
    }

    /// A scalar (0-dimensional) tensor.
    public convenience init(scalar: Double, dtype: DType = .float32) throws {
        Torch.ensureInitialized()
        guard let h = ct_full([], 0, scalar, dtype.rawValue, Int32(CT_CPU), 0) else { throw TorchError.last() }
        self.init(handle: h)
    }

    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        Torch.ensureInitialized()
        let dims = shape.map { Int64($0) }
        let d = device.code
        return try .wrap(ct_full(dims, Int32(dims.count), value, dtype.rawValue, d.type, d.index))
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try full(shape, 0, dtype: dtype, device: device)
    }

    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try full(shape, 1, dtype: dtype, device: device)
    }

    public static func zeros(like t: Tensor) throws -> Tensor { try zeros(t.shape, dtype: t.dtype, device: t.device) }

    public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .int64) throws -> Tensor {
        Torch.ensureInitialized()
        return try .wrap(ct_arange(start, end, step, dtype.rawValue))
    }

    public static func eye(_ n: Int, dtype: DType = .float32) throws -> Tensor {
        Torch.ensureInitialized()
        return try .wrap(ct_eye(Int64(n), dtype.rawValue))
    }

    /// An undefined tensor: a slot for optimizer state that is filled on the first step.
    public static func undefined() -> Tensor {
        Tensor(handle: ct_empty_like_undefined())
    }
}
