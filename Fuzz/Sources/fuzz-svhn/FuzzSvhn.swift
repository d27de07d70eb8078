import FuzzSupport
import TailData

/// SVHN's `*_32x32.mat` files: the MAT reader, then X and y checked and interleaved.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSVHN(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        var mat = try MATFile(bytes: bytes, path: FuzzInput.path)
        let set = try SVHN.imageSet(from: &mat, path: FuzzInput.path)
        precondition(set.images.count == set.count * set.imageBytes)
        if set.count > 0 { _ = set.image(set.count - 1) }
    }
}
