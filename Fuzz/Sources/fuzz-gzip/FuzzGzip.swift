import FuzzSupport
import TailData

/// gzip members and raw zlib streams (MAT miCOMPRESSED), whole and with an output limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        if Gzip.isGzip(bytes) {
            _ = try Gzip.decompress(bytes, path: FuzzInput.path)
        } else {
            _ = try Gzip.inflateZlib(bytes[...], path: FuzzInput.path, limit: 8)
            _ = try Gzip.inflateZlib(bytes[...], path: FuzzInput.path, sizeHint: Int(bytes.first ?? 0) << 24)
        }
    }
}
