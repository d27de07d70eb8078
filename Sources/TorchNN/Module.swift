import Torch

/// The base of every layer and model: named parameters and buffers, child modules, train/eval mode,
/// state-dict round trip and freezing, with PyTorch's naming and ordering so that state dicts match
/// the reference checkpoints key for key.
///
/// Subclasses register what they own in their initialiser (`registerParameter`, `registerBuffer`,
/// `registerModule`) and override `forward`.
open class Module {
    public private(set) var isTraining = true
    private var ownParameters: [(name: String, tensor: Tensor)] = []
    private var ownBuffers: [(name: String, tensor: Tensor)] = []
    private var children: [(name: String, module: Module)] = []

    public init() {}

    /// Computes the module's output. Layers with one input override this.
    open func forward(_ x: Tensor) throws -> Tensor {
        throw TorchError.invalidArgument("\(type(of: self)) does not define forward(_:)")
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try forward(x) }

    /// Re-draws this layer's own parameters with its initialiser. Layers with parameters override it.
    open func resetParameters() throws {
        throw TorchError.invalidArgument("\(type(of: self)) cannot re-initialise its parameters")
    }

    // MARK: Registration

    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor) -> Tensor {
        tensor.requiresGrad = true
        ownParameters.append((name, tensor))
        return tensor
    }

    @discardableResult
    public func registerBuffer(_ name: String, _ tensor: Tensor) -> Tensor {
        ownBuffers.append((name, tensor))
        return tensor
    }

    @discardableResult
    public func registerModule<M: Module>(_ name: String, _ module: M) -> M {
        children.append((name, module))
        return module
    }

    // MARK: Traversal

    /// This module and every descendant, depth first, with dotted names ("" for self).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var out: [(String, Module)] = [(prefix, self)]
        for (name, child) in children {
            out += child.namedModules(prefix: prefix.isEmpty ? name : "\(prefix).\(name)")
        }
        return out
    }

    public func namedParameters() -> [(String, Tensor)] {
        namedModules().flatMap { prefix, m in m.ownParameters.map { (join(prefix, $0.name), $0.tensor) } }
    }

    public func parameters() -> [Tensor] { namedParameters().map { $0.1 } }

    /// Parameters that still learn (not frozen).
    public func trainableParameters() -> [Tensor] { parameters().filter { $0.requiresGrad } }

    public func namedBuffers() -> [(String, Tensor)] {
        namedModules().flatMap { prefix, m in m.ownBuffers.map { (join(prefix, $0.name), $0.tensor) } }
    }

    /// Parameters then buffers of each module, in module order: PyTorch's state_dict order.
    public func stateDict() -> [(String, Tensor)] {
        namedModules().flatMap { prefix, m in
            m.ownParameters.map { (join(prefix, $0.name), $0.tensor) } + m.ownBuffers.map { (join(prefix, $0.name), $0.tensor) }
        }
    }

    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    // MARK: Modes

    /// Training mode (batch statistics, dropout) for this module and all descendants.
    public func train(_ on: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = on }
    }

    public func eval() { train(false) }

    /// Stops (or restarts) learning of every parameter below this module.
    public func freeze(_ frozen: Bool = true) {
        for p in parameters() { p.requiresGrad = !frozen }
    }

    /// Moves every parameter and buffer to `device` in place (the module keeps its tensor objects,
    /// so optimizers built afterwards see the moved ones).
    public func move(to device: Device) throws {
        for (_, t) in stateDict() {
            let learns = t.requiresGrad
            let moved = try withNoGrad { try t.to(device: device) }
            t.assign(moved)
            if learns { t.requiresGrad = true }
        }
    }

    /// Lays every 4-D parameter and buffer out channels-last, in place (same tensor objects).
    /// Convolutions then run in oneDNN's preferred layout: ResNet-32 training measured ~35% faster
    /// on a 2-core CPU than with contiguous NCHW weights. Values, names and saved files are unchanged.
    public func useChannelsLast() throws {
        for (_, t) in stateDict() where t.rank == 4 && !t.isChannelsLast {
            let learns = t.requiresGrad
            let laidOut = try withNoGrad { try t.channelsLast() }
            t.assign(laidOut)
            if learns { t.requiresGrad = true }
        }
    }

    public func zeroGrad() {
        for p in parameters() { p.zeroGrad() }
    }

    private func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
}
