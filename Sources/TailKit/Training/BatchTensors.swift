import TailData
import Torch

/// The one place a data-layer batch becomes tensors (architecture.md: TailData knows no Torch).
extension BatchView {
    public func tensor(device: Device = .cpu) throws -> Tensor {
        let t = try data.withUnsafeBytes { try Tensor(copyingBuffer: $0, dtype: .float32, shape: shape) }
        return device == .cpu ? t : try t.to(device: device)
    }
}

extension Batch {
    public func labelTensor(device: Device = .cpu) throws -> Tensor {
        let t = try Tensor(labels)
        return device == .cpu ? t : try t.to(device: device)
    }
}
