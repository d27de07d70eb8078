import CTorch

/// A seeded source of random numbers for tensor sampling (torch.Generator on the CPU).
/// Pass one explicitly to make a piece of a run reproducible on its own; its state can be saved
/// into a checkpoint and restored on resume.
public final class TorchGenerator: @unchecked Sendable {
    let handle: OpaquePointer

    public init(seed: UInt64) throws {
        Torch.ensureInitialized()
        guard let h = ct_generator_new(seed) else { throw TorchError.last() }
        handle = h
    }

    deinit { ct_generator_free(handle) }

    /// The full generator state, as torch's `get_state()` bytes.
    public func state() throws -> [UInt8] {
        let n = try checkStatus(ct_generator_get_state(handle, nil, 0))
        var out = [UInt8](repeating: 0, count: Int(n))
        try checkStatus(ct_generator_get_state(handle, &out, out.count))
        return out
    }

    public func setState(_ bytes: [UInt8]) throws {
        try checkStatus(ct_generator_set_state(handle, bytes, bytes.count))
    }
}

extension Tensor {
    /// Uniform [0, 1).
    public static func rand(_ shape: [Int], dtype: DType = .float32, generator: TorchGenerator? = nil) throws -> Tensor {
        Torch.ensureInitialized()
        let d = shape.map { Int64($0) }
        return try withExtendedLifetime(generator) { try .wrap(ct_rand(d, Int32(d.count), dtype.rawValue, generator?.handle)) }
    }

    /// Standard normal.
    public static func randn(_ shape: [Int], dtype: DType = .float32, generator: TorchGenerator? = nil) throws -> Tensor {
        Torch.ensureInitialized()
        let d = shape.map { Int64($0) }
        return try withExtendedLifetime(generator) { try .wrap(ct_randn(d, Int32(d.count), dtype.rawValue, generator?.handle)) }
    }

    /// Integers uniform in low..<high (int64).
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], generator: TorchGenerator? = nil) throws -> Tensor {
        Torch.ensureInitialized()
        let d = shape.map { Int64($0) }
        return try withExtendedLifetime(generator) {
            try .wrap(ct_randint(Int64(low), Int64(high), d, Int32(d.count), generator?.handle))
        }
    }

    /// A random permutation of 0..<n (int64).
    public static func randperm(_ n: Int, generator: TorchGenerator? = nil) throws -> Tensor {
        Torch.ensureInitialized()
        return try withExtendedLifetime(generator) { try .wrap(ct_randperm(Int64(n), generator?.handle)) }
    }

    /// 0/1 draws with probabilities `self`.
    public func bernoulli(generator: TorchGenerator? = nil) throws -> Tensor {
        try withExtendedLifetime(generator) { try .wrap(ct_bernoulli(handle, generator?.handle)) }
    }

    /// Fills in place with U(low, high); returns self for chaining.
    @discardableResult
    public func uniform(_ low: Double, _ high: Double, generator: TorchGenerator? = nil) throws -> Tensor {
        try withExtendedLifetime(generator) { _ = try Tensor.wrap(ct_uniform_(handle, low, high, generator?.handle)) }
        return self
    }

    /// Fills in place with N(mean, std); returns self for chaining.
    @discardableResult
    public func normal(mean: Double = 0, std: Double = 1, generator: TorchGenerator? = nil) throws -> Tensor {
        try withExtendedLifetime(generator) { _ = try Tensor.wrap(ct_normal_(handle, mean, std, generator?.handle)) }
        return self
    }

    /// Gamma(alpha, 1) draws, one per element of `alpha`.
    public static func standardGamma(_ alpha: Tensor, generator: TorchGenerator? = nil) throws -> Tensor {
        try withExtendedLifetime(generator) { try .wrap(ct_standard_gamma(alpha.handle, generator?.handle)) }
    }

    /// Beta(a, b) draws of the given shape, as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b)
    /// (how torch.distributions.Beta samples).
    public static func beta(_ a: Double, _ b: Double, shape: [Int] = [], dtype: DType = .float64,
                            generator: TorchGenerator? = nil) throws -> Tensor {
        let x = try standardGamma(try full(shape, a, dtype: dtype), generator: generator)
        let y = try standardGamma(try full(shape, b, dtype: dtype), generator: generator)
        return try x / (x + y)
    }

    /// `n` class indices per row drawn from the (unnormalised) probabilities in each row.
    public func multinomial(_ n: Int, replacement: Bool, generator: TorchGenerator? = nil) throws -> Tensor {
        try withExtendedLifetime(generator) { try .wrap(ct_multinomial(handle, Int64(n), replacement, generator?.handle)) }
    }
}
