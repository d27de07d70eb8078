import FuzzSupport
import TailData

/// JPEG decoding through libjpeg (CImageCodecs), then a resize of the result.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        let image = try JPEGDecoder.decode(bytes, path: FuzzInput.path)
        precondition(image.pixels.count == image.width * image.height * 3)
        _ = try image.resized(width: 7, height: 5)
    }
}
