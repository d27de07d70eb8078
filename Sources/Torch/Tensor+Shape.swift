import CTorch

extension Tensor {
    public func reshape(_ shape: [Int]) throws -> Tensor {
        let d = shape.map { Int64($0) }
        return try .wrap(ct_reshape(handle, d, Int32(d.count)))
    }

    public func permute(_ dims: [Int]) throws -> Tensor {
        let d = dims.map { Int64($0) }
        return try .wrap(ct_permute(handle, d, Int32(d.count)))
    }

    public func transpose(_ d0: Int, _ d1: Int) throws -> Tensor { try .wrap(ct_transpose(handle, Int64(d0), Int64(d1))) }
    public func flatten(start: Int = 0, end: Int = -1) throws -> Tensor { try .wrap(ct_flatten(handle, Int64(start), Int64(end))) }
    public func unsqueeze(_ dim: Int) throws -> Tensor { try .wrap(ct_unsqueeze(handle, Int64(dim))) }
    public func squeeze(_ dim: Int) throws -> Tensor { try .wrap(ct_squeeze(handle, Int64(dim))) }

    public func expand(_ shape: [Int]) throws -> Tensor {
        let d = shape.map { Int64($0) }
        return try .wrap(ct_expand(handle, d, Int32(d.count)))
    }

    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let handles: [OpaquePointer?] = tensors.map { $0.handle }
        return try withExtendedLifetime(tensors) { try .wrap(ct_cat(handles, Int32(handles.count), Int64(dim))) }
    }

    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let handles: [OpaquePointer?] = tensors.map { $0.handle }
        return try withExtendedLifetime(tensors) { try .wrap(ct_stack(handles, Int32(handles.count), Int64(dim))) }
    }

    /// Splits along `dim` into pieces of the given sizes (which must add up to the dim's size).
    public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] {
        var out = [OpaquePointer?](repeating: nil, count: sizes.count)
        let s = sizes.map { Int64($0) }
        let n = try checkStatus(ct_split(handle, s, Int32(s.count), Int64(dim), &out))
        return try out.prefix(Int(n)).map { try Tensor.wrap($0) }
    }

    /// Splits along `dim` into pieces of `size` (the last may be smaller).
    public func split(size: Int, dim: Int = 0) throws -> [Tensor] {
        let total = shape[dim < 0 ? dim + rank : dim]
        var sizes = [Int](repeating: size, count: total / size)
        if total % size != 0 { sizes.append(total % size) }
        return try split(sizes: sizes, dim: dim)
    }
}
