import CImageCodecs

/// PNG to 8-bit RGB through libpng, as PIL's `convert("RGB")` sees it: palette and gray
/// expanded, 16-bit samples cut to their high byte, alpha dropped. A corrupt or truncated file
/// is a `DataError.undecodable`.
public enum PNGDecoder {
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether `bytes` start with the 8-byte PNG signature.
    public static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: signature)
    }

    /// Decodes PNG `bytes`; `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> DecodedImage {
        var result = tk_decoded_image()
        let status = bytes.withUnsafeBufferPointer { tk_png_decode($0.baseAddress, $0.count, &result) }
        return try ImageCodecResult.take(&result, status: status, path: path, format: "PNG")
    }
}
