import Torch

/// What every optimizer offers a trainer: one update, gradient reset, a settable learning rate
/// and its state as named tensors (for checkpoints and exact resume).
public protocol Optimizer: AnyObject {
    var learningRate: Double { get set }
    func step() throws
    func zeroGrad()
    func stateTensors() -> [(String, Tensor)]
    func loadStateTensors(_ state: [(String, Tensor)]) throws
}

extension Optimizer {
    /// State tensors that exist yet (momentum buffers appear on the first step).
    func definedState(_ named: [(String, Tensor)]) -> [(String, Tensor)] { named.filter { $0.1.isDefined } }

    /// Restores named slots from `state`; absent names stay as they are.
    func restore(_ slots: [(String, Tensor)], from state: [(String, Tensor)]) throws {
        let given = Dictionary(state, uniquingKeysWith: { _, b in b })
        for (name, slot) in slots {
            guard let value = given[name] else { continue }
            slot.assign(try value.clone())
        }
    }
}
