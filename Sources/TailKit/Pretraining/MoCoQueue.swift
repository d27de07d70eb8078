import Torch

/// MoCo's queue of negative keys (He et al., CVPR 2020; the `queue` of imbalanced-semi-self's
/// `moco/builder.py`, Yang & Xu, NeurIPS 2020): a [dim, K] matrix of unit columns, started as
/// normalised Gaussian noise, overwritten batch by batch at a pointer that wraps around. The
/// reference requires K to be a multiple of the batch size; here a batch that crosses the end
/// is written in two parts, so any K at least the batch size works (e.g. K capped to a small
/// data set's size).
public final class MoCoQueue {
    /// [dim, K], outside autograd.
    public let keys: Tensor
    public let dim: Int
    public let size: Int
    /// Column the next key goes to.
    public private(set) var pointer = 0

    public init(dim: Int, size: Int, device: Device = .cpu) throws {
        guard dim > 0, size > 0 else { throw TorchError.invalidArgument("MoCo queue: dim \(dim) and size \(size) must be positive") }
        self.dim = dim
        self.size = size
        let noise = try Functional.normalize(Tensor.randn([dim, size]), dim: 0)
        keys = device == .cpu ? noise : try noise.to(device: device)
    }

    /// Puts back a saved queue (an exact resume): its keys [dim, K] and pointer.
    public func restore(keys saved: Tensor, pointer: Int) throws {
        guard saved.shape == [dim, size], (0..<size).contains(pointer) else {
            throw TorchError.invalidArgument("MoCo queue: saved keys \(saved.shape) at \(pointer) do not fit a [\(dim), \(size)] queue")
        }
        try withNoGrad { try keys.copy(from: saved) }
        self.pointer = pointer
    }

    /// Writes the rows of `batch` ([B, dim]) as columns at the pointer and advances it mod K.
    public func enqueue(_ batch: Tensor) throws {
        let shape = batch.shape
        guard shape.count == 2, shape[1] == dim else {
            throw TorchError.invalidArgument("MoCo queue: keys of shape \(shape), expected [B, \(dim)]")
        }
        let b = shape[0]
        guard b <= size else { throw TorchError.invalidArgument("MoCo queue: a batch of \(b) keys exceeds the queue size \(size)") }
        try withNoGrad {
            let columns = try batch.detach().transpose(0, 1)
            let first = min(b, size - pointer)
            try keys.narrow(dim: 1, start: pointer, length: first).copy(from: columns.narrow(dim: 1, start: 0, length: first))
            if first < b {
                try keys.narrow(dim: 1, start: 0, length: b - first).copy(from: columns.narrow(dim: 1, start: first, length: b - first))
            }
        }
        pointer = (pointer + b) % size
    }
}
