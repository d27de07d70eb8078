import FuzzSupport
import TailData

/// CIFAR binary batches: the first byte picks CIFAR-10 (even) or CIFAR-100 (odd); the rest is
/// the batch file, also read as a class-names file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFARBinary(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        guard let selector = bytes.first else { return }
        let records = Array(bytes.dropFirst())
        let cifar100 = selector & 1 == 1
        _ = try? CIFARBinary.classNames(fileBytes: records, path: FuzzInput.path, expected: 10)
        let names = (0..<(cifar100 ? 100 : 10)).map(String.init)
        let set = try CIFARBinary.imageSet(records: records, path: FuzzInput.path, cifar100: cifar100,
                                           labels: selector & 2 == 0 ? .fine : .coarse, classNames: names)
        precondition(set.images.count == set.count * set.imageBytes)
    }
}
