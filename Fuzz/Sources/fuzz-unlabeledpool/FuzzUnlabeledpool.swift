import FuzzSupport
import TailData

/// Unlabeled-pool pickles (`data` uint8 [N, H, W, C], `extrapolated_targets`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUnlabeledPool(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        let pool = try UnlabeledPool.decode(bytes, name: FuzzInput.path, classNames: (0..<10).map(String.init))
        precondition(pool.images.count == pool.count * pool.imageBytes)
        if pool.count > 0 { _ = pool.image(pool.count - 1) }
    }
}
