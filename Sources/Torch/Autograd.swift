import CTorch

extension Tensor {
    /// Whether operations on this tensor are recorded for backward. Setting it on a leaf makes it a parameter.
    public var requiresGrad: Bool {
        get { ct_requires_grad(handle) }
        set { _ = ct_set_requires_grad(handle, newValue) }
    }

    /// Chainable form: `let w = try Tensor.randn([3, 3]).requiringGrad()`.
    public func requiringGrad(_ flag: Bool = true) throws -> Tensor {
        try checkStatus(ct_set_requires_grad(handle, flag))
        return self
    }

    /// Back-propagates from this tensor (a scalar, or pass `gradient` of the same shape).
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        _ = try withExtendedLifetime(gradient) { try checkStatus(ct_backward(handle, gradient?.handle, retainGraph)) }
    }

    /// The accumulated gradient, nil before any backward reached this tensor.
    public var grad: Tensor? {
        guard let h = ct_grad(handle) else { return nil }
        let g = Tensor(handle: h)
        return g.isDefined ? g : nil
    }

    /// Drops the accumulated gradient (set to none, as torch's default zero_grad).
    public func zeroGrad() { _ = ct_zero_grad(handle) }

    /// The same values, cut from the autograd graph.
    public func detach() throws -> Tensor { try .wrap(ct_detach(handle)) }
}

public enum Autograd {
    /// Gradients of `outputs` (summed) with respect to `inputs`, without touching `.grad`
    /// (torch.autograd.grad). An input the outputs do not depend on gets nil.
    public static func grad(of outputs: [Tensor], withRespectTo inputs: [Tensor], createGraph: Bool = false) throws -> [Tensor?] {
        let outs: [OpaquePointer?] = outputs.map { $0.handle }
        let ins: [OpaquePointer?] = inputs.map { $0.handle }
        var result = [OpaquePointer?](repeating: nil, count: inputs.count)
        _ = try withExtendedLifetime((outputs, inputs)) {
            try checkStatus(ct_autograd_grad(outs, Int32(outs.count), ins, Int32(ins.count), createGraph, &result))
        }
        return try result.map { h in
            let t = try Tensor.wrap(h)
            return t.isDefined ? t : nil
        }
    }

    public static var isEnabled: Bool { ct_is_grad_enabled() }
}

/// Runs `body` with gradient recording off on this thread (torch.no_grad), then restores it.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ct_set_grad_enabled(false)
    defer { _ = ct_set_grad_enabled(previous) }
    return try body()
}

/// Runs `body` with gradient recording on (e.g. inside an evaluation that needs one gradient).
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ct_set_grad_enabled(true)
    defer { _ = ct_set_grad_enabled(previous) }
    return try body()
}
