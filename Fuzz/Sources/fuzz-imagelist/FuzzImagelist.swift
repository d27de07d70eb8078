import FuzzSupport
import TailData

/// ImageNet-LT / iNaturalist list files (`<path> <label>` lines), classes inferred and given.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageList(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        _ = try? ImageList(listBytes: bytes, listFile: FuzzInput.path, root: "/data", classCount: 1000)
        let list = try ImageList(listBytes: bytes, listFile: FuzzInput.path, root: "/data")
        precondition(list.paths.count == list.labels.count)
        _ = list.classCounts()
        if list.count > 0 { _ = list.path(list.count - 1) }
    }
}
