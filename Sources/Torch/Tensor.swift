import CTorch

/// An n-dimensional array in libtorch, with autograd. Owns one shim handle and frees it on deinit.
///
/// Every operation that can fail in libtorch throws `TorchError` with libtorch's message:
/// `let y = try x.matmul(w) + b`.
///
/// The handle never leaves the object that owns it except as an argument of a method call on that
/// object, during which Swift keeps the object alive (backend.md, pitfall 1).
public final class Tensor: @unchecked Sendable {
    let handle: OpaquePointer

    init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        ct_free(handle)
    }

    /// Wraps a handle returned by the shim, or throws libtorch's error if it is NULL.
    static func wrap(_ pointer: OpaquePointer?) throws -> Tensor {
        guard let pointer else { throw TorchError.last() }
        return Tensor(handle: pointer)
    }

    // MARK: Facts

    public var rank: Int { Int(ct_dim(handle)) }

    public var shape: [Int] {
        var dims = [Int64](repeating: 0, count: 16)
        let n = Int(ct_shape(handle, &dims, 16))
        if n > 16 {
            dims = [Int64](repeating: 0, count: n)
            _ = ct_shape(handle, &dims, Int32(n))
        }
        return dims.prefix(n).map { Int($0) }
    }

    public var count: Int { Int(ct_numel(handle)) }

    public var dtype: DType {
        // The shim only makes tensors of the types DType lists, so the code is always known.
        DType(rawValue: ct_dtype(handle)) ?? .float32
    }

    public var device: Device {
        ct_device_type(handle) == Int32(CT_CUDA) ? .cuda(Int(ct_device_index(handle))) : .cpu
    }

    /// False only for the "no tensor" placeholder an optimizer keeps before its first step.
    public var isDefined: Bool { ct_defined(handle) }

    // MARK: Read-back

    /// The elements in row-major order, converted to `T`'s dtype if needed.
    public func toArray<T: TensorScalar>(_ type: T.Type = T.self) throws -> [T] {
        let source = dtype == T.dtype && device == .cpu ? self : try to(T.dtype, device: .cpu)
        let n = source.count
        var out = [T](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
        _ = try out.withUnsafeMutableBytes { raw in
            try checkStatus(ct_copy_out(source.handle, raw.baseAddress, raw.count))
        }
        return out
    }

    /// The raw bytes of the elements in row-major order (for saving).
    public func contiguousBytes() throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count * dtype.byteSize)
        _ = try out.withUnsafeMutableBytes { raw in
            try checkStatus(ct_copy_out(handle, raw.baseAddress, raw.count))
        }
        return out
    }

    /// The value of a one-element tensor.
    public func item() throws -> Double {
        var value = 0.0
        guard ct_item_double(handle, &value) else { throw TorchError.last() }
        return value
    }

    /// The value of a one-element integer tensor.
    public func itemInt() throws -> Int {
        var value: Int64 = 0
        guard ct_item_int64(handle, &value) else { throw TorchError.last() }
        return Int(value)
    }

    // MARK: Conversion and copies

    public func to(_ dtype: DType? = nil, device: Device? = nil) throws -> Tensor {
        let d = device?.code
        return try .wrap(ct_to(handle, dtype?.rawValue ?? -1, d?.type ?? -1, d?.index ?? 0))
    }

    public func to(device: Device) throws -> Tensor { try to(nil, device: device) }
    public func contiguous() throws -> Tensor { try .wrap(ct_contiguous(handle)) }

    /// The same values laid out channels-last (NHWC in memory, shape still [N, C, H, W]): oneDNN's
    /// preferred layout for convolutions on the CPU. Tensors that are not 4-D come back unchanged.
    public func channelsLast() throws -> Tensor { rank == 4 ? try .wrap(ct_channels_last(handle)) : self }

    public var isChannelsLast: Bool { ct_is_channels_last(handle) }
    public func clone() throws -> Tensor { try .wrap(ct_clone(handle)) }

    /// Copies `source`'s values into this tensor in place (no autograd record), broadcasting.
    public func copy(from source: Tensor) throws { try checkStatus(ct_copy_(handle, source.handle)) }
    public func fill(_ value: Double) throws { try checkStatus(ct_fill_(handle, value)) }
    public func zero() throws { try checkStatus(ct_zero_(handle)) }

    /// Makes this handle refer to `other`'s tensor (used by optimizer state); no data is copied.
    public func assign(_ other: Tensor) { _ = ct_assign(handle, other.handle) }

    /// Adds `alpha * other` in place, outside autograd (for optimizer-style updates).
    public func addInPlace(_ other: Tensor, alpha: Double = 1) throws { try checkStatus(ct_add_(handle, other.handle, alpha)) }
    public func mulInPlace(_ scalar: Double) throws { try checkStatus(ct_mul_scalar_(handle, scalar)) }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        guard let text = ct_to_string(handle) else { return "Tensor(<\(TorchError.last())>)" }
        defer { ct_free_string(text) }
        return String(cString: text)
    }
}
