import FuzzSupport
import Pickle

/// PickleReader on arbitrary bytes: back-to-back pickles read in turn, numpy arrays decoded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is PickleError }) { bytes in
        var start = 0
        while start < bytes.count {
            let (value, end) = try PickleReader.read(bytes, from: start)
            _ = value.kindName
            if NumpyArray.isPickledArray(value) {
                let array = try NumpyArray(pickle: value)
                _ = try array.doubleValues()
            }
            _ = try? NumpyArray.intList(from: value)
            start = end
        }
    }
}
