import FuzzSupport
import TailData

/// Tar archives (ustar, GNU long names, pax headers), gunzipped first when gzipped.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        let plain = Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, path: FuzzInput.path) : bytes
        let archive = try TarArchive(bytes: plain, path: FuzzInput.path)
        for entry in archive.entries {
            precondition(!entry.name.hasPrefix("/") && !entry.name.split(separator: "/").contains(".."))
            _ = archive.entry(endingWith: entry.name)
        }
    }
}
