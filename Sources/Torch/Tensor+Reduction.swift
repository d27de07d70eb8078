import CTorch

extension Tensor {
    func reduce(_ op: Int, _ dims: [Int], _ keepDim: Bool) throws -> Tensor {
        let d = dims.map { Int64($0) }
        return try .wrap(ct_reduce(Int32(op), handle, d, Int32(d.count), keepDim))
    }

    /// Sum over `dims` (all elements when empty).
    public func sum(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_SUM, dims, keepDim) }
    public func sum(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(CT_SUM, [dim], keepDim) }
    public func mean(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_MEAN, dims, keepDim) }
    public func mean(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(CT_MEAN, [dim], keepDim) }
    public func prod(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_PROD, dims, keepDim) }
    /// Unbiased standard deviation, as torch.std.
    public func std(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_STD, dims, keepDim) }
    public func variance(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_VAR, dims, keepDim) }
    public func logsumexp(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(CT_LOGSUMEXP, [dim], keepDim) }
    public func norm(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_NORM, dims, keepDim) }
    public func all() throws -> Tensor { try reduce(CT_ALL, [], false) }
    public func any() throws -> Tensor { try reduce(CT_ANY, [], false) }

    /// The largest element (dims empty) or the largest along `dims`.
    public func max(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_AMAX, dims, keepDim) }
    public func min(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_AMIN, dims, keepDim) }

    /// Largest values along `dim` and where they are.
    public func max(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        var v: OpaquePointer?, i: OpaquePointer?
        try checkStatus(ct_max_dim(handle, Int64(dim), keepDim, &v, &i))
        return (try .wrap(v), try .wrap(i))
    }

    public func argmax(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try reduce(CT_ARGMAX, dim.map { [$0] } ?? [], keepDim)
    }

    public func argmin(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try reduce(CT_ARGMIN, dim.map { [$0] } ?? [], keepDim)
    }

    /// The `k` largest (or smallest) values along `dim`, sorted, with their indices.
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        var v: OpaquePointer?, i: OpaquePointer?
        try checkStatus(ct_topk(handle, Int64(k), Int64(dim), largest, &v, &i))
        return (try .wrap(v), try .wrap(i))
    }

    /// A stable sort along `dim`.
    public func sorted(dim: Int = -1, descending: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        var v: OpaquePointer?, i: OpaquePointer?
        try checkStatus(ct_sort(handle, Int64(dim), descending, &v, &i))
        return (try .wrap(v), try .wrap(i))
    }

    public func cumsum(dim: Int) throws -> Tensor { try .wrap(ct_cumsum(handle, Int64(dim))) }
}
