import CTorch

extension Tensor {
    public func gather(dim: Int, index: Tensor) throws -> Tensor { try .wrap(ct_gather(handle, Int64(dim), index.handle)) }

    /// A copy with `source` written at `index` along `dim` (torch.scatter).
    public func scatter(dim: Int, index: Tensor, source: Tensor) throws -> Tensor {
        try .wrap(ct_scatter(handle, Int64(dim), index.handle, source.handle))
    }

    public func scatterAdd(dim: Int, index: Tensor, source: Tensor) throws -> Tensor {
        try .wrap(ct_scatter_add(handle, Int64(dim), index.handle, source.handle))
    }

    public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
        try .wrap(ct_index_select(handle, Int64(dim), index.handle))
    }

    public func maskedFill(_ mask: Tensor, _ value: Double) throws -> Tensor { try .wrap(ct_masked_fill(handle, mask.handle, value)) }
    public func maskedSelect(_ mask: Tensor) throws -> Tensor { try .wrap(ct_masked_select(handle, mask.handle)) }

    public func narrow(dim: Int, start: Int, length: Int) throws -> Tensor {
        try .wrap(ct_narrow(handle, Int64(dim), Int64(start), Int64(length)))
    }

    /// The sub-tensor at `index` along `dim`, with that dim removed.
    public func select(dim: Int, index: Int) throws -> Tensor { try .wrap(ct_select(handle, Int64(dim), Int64(index))) }

    public func slice(dim: Int, start: Int, end: Int, step: Int = 1) throws -> Tensor {
        try .wrap(ct_slice(handle, Int64(dim), Int64(start), Int64(end), Int64(step)))
    }

    /// Indices of non-zero elements, one row per element.
    public func nonzero() throws -> Tensor { try .wrap(ct_nonzero(handle)) }
}
