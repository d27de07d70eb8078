import FuzzSupport
import Pickle
import TorchFile

/// TorchFile.load on arbitrary bytes (zip archives from torch.save and legacy pre-1.6 files),
/// then every tensor's data read through its view.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTorchFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is TorchFileError && FuzzInput.names($0) }) { bytes in
        var pending = [try TorchFile.load(bytes: bytes, path: FuzzInput.path)]
        while let value = pending.popLast() {
            switch value {
            case .tensor(let t): _ = try t.contiguousBytes()
            case .list(let items), .tuple(let items): pending += items
            case .dict(let entries, _): pending += entries.flatMap { [$0.key, $0.value] }
            default: break
            }
        }
        _ = try? TorchFile.loadTensorDict(bytes: bytes, path: FuzzInput.path)
    }
}
