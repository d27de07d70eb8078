import FuzzSupport
import TailData

/// MATLAB level-5 MAT-files, plain and compressed elements, every numeric array converted.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMAT(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        let mat = try MATFile(bytes: bytes, path: FuzzInput.path)
        for name in mat.variableNames {
            guard let array = mat[name] else { continue }
            precondition(array.realBytes.count % array.storage.size == 0)
            _ = array.doubles()
        }
    }
}
