import CImageCodecs

/// JPEG to RGB through libjpeg(-turbo). Grayscale is expanded, CMYK converted; a corrupt or
/// truncated file is a `DataError.undecodable`, never a crash or a gray-padded image.
public enum JPEGDecoder {
    /// Whether `bytes` start with the JPEG SOI marker and a marker byte.
    public static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
    }

    /// Decodes JPEG `bytes`; `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> DecodedImage {
        var result = tk_decoded_image()
        let status = bytes.withUnsafeBufferPointer { tk_jpeg_decode($0.baseAddress, $0.count, &result) }
        return try ImageCodecResult.take(&result, status: status, path: path, format: "JPEG")
    }
}

/// Moves a C codec's malloc'ed RGB buffer into a `DecodedImage`.
enum ImageCodecResult {
    static func take(_ result: inout tk_decoded_image, status: Int32, path: String, format: String) throws
        -> DecodedImage
    {
        guard status == 0, let pixels = result.pixels else {
            let message = withUnsafeBytes(of: &result.error) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw DataError.undecodable(path: path, detail: "\(format): \(message)")
        }
        defer { tk_codec_free(pixels) }
        let width = Int(result.width), height = Int(result.height)
        let image = [UInt8](UnsafeBufferPointer(start: pixels, count: width * height * 3))
        return DecodedImage(width: width, height: height, channels: 3, pixels: image)
    }
}
