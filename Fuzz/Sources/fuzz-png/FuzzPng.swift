import FuzzSupport
import TailData

/// PNG decoding through libpng (CImageCodecs), then a resize of the result.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        let image = try PNGDecoder.decode(bytes, path: FuzzInput.path)
        precondition(image.pixels.count == image.width * image.height * 3)
        _ = try image.resized(width: 7, height: 5)
    }
}
