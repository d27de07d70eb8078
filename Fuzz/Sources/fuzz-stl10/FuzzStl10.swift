import FuzzSupport
import TailData

/// STL-10 binaries: the first byte n is the length of the labels file that follows (0: the
/// unlabeled split), the rest the images file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSTL10(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        guard let n = bytes.first.map(Int.init), bytes.count > n else { return }
        let labels = n == 0 ? nil : Array(bytes[1...n])
        let set = try STL10.imageSet(pixels: Array(bytes[(n + 1)...]), imagesPath: FuzzInput.path, labels: labels,
                                     labelsPath: FuzzInput.path + "_y", classNames: (0..<10).map(String.init))
        precondition(set.images.count == set.count * set.imageBytes)
    }
}
