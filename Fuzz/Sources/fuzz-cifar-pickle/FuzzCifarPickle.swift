import FuzzSupport
import TailData

/// CIFAR python batches: the input stands for every file of the data set (meta and batches),
/// read as CIFAR-10 and as CIFAR-100.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFARPickle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        _ = try? CIFARPickle.decodeBatch(bytes, name: FuzzInput.path, labelKey: "labels", numClasses: 10)
        _ = try? CIFARPickle.labelNames(bytes, name: FuzzInput.path, key: "label_names")
        _ = try? CIFARPickle.load(cifar100: false, train: false, displayRoot: FuzzInput.path, read: { _ in bytes })
        let split = try CIFARPickle.loadCIFAR100(train: false, displayRoot: FuzzInput.path, read: { _ in bytes })
        precondition(split.images.images.count == split.images.count * split.images.imageBytes)
    }
}
