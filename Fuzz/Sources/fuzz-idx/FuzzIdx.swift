import FuzzSupport
import TailData

/// IDX arrays (MNIST, Fashion-MNIST), gunzipped first when they carry the gzip magic.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        let plain = Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, path: FuzzInput.path) : bytes
        let magic = plain.count > 3 && plain[3] == 1 ? IDX.labelsMagic : IDX.imagesMagic
        let array = try IDX.parseArray(plain, path: FuzzInput.path, magic: magic)
        precondition(array.dimensions.reduce(1, *) == array.bytes.count)
    }
}
