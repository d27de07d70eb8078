import CImageCodecs

/// PNG and JPEG files from 8-bit HWC pixels, through libpng and libjpeg (the C encoders of
/// CImageCodecs): 1 channel is written as grayscale, 3 as RGB. `tailkit data export` writes its
/// class-per-folder trees with it.
///
/// ```swift
/// let png = try ImageFileEncoder.png(pixels, width: 28, height: 28, channels: 1)
/// ```
public enum ImageFileEncoder {
    public static func png(_ pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> [UInt8] {
        try check(pixels, width: width, height: height, channels: channels)
        var out = tk_encoded_image()
        let status = pixels.withUnsafeBufferPointer {
            tk_png_encode($0.baseAddress, Int32(width), Int32(height), Int32(channels), 0, &out)
        }
        return try take(&out, status: status, format: "PNG")
    }

    /// A baseline JPEG of `quality` (1...100).
    public static func jpeg(_ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95) throws -> [UInt8] {
        try check(pixels, width: width, height: height, channels: channels)
        var out = tk_encoded_image()
        let status = pixels.withUnsafeBufferPointer {
            tk_jpeg_encode($0.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(quality), &out)
        }
        return try take(&out, status: status, format: "JPEG")
    }

    private static func check(_ pixels: [UInt8], width: Int, height: Int, channels: Int) throws {
        guard channels == 1 || channels == 3, width > 0, height > 0, pixels.count == width * height * channels else {
            throw DataError.invalidArgument("cannot encode \(pixels.count) bytes as a \(height)x\(width)x\(channels) image (1 or 3 channels)")
        }
    }

    private static func take(_ out: inout tk_encoded_image, status: Int32, format: String) throws -> [UInt8] {
        guard status == 0, let bytes = out.bytes else {
            let message = withUnsafeBytes(of: &out.error) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            throw DataError.invalidArgument("\(format) encoding failed: \(message)")
        }
        defer { tk_codec_free(bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: out.size))
    }
}
