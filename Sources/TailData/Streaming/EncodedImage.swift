import CImageCodecs

/// One image file's bytes, read but not decoded: its format and full size come from the header,
/// so the streaming loader can choose a crop and a JPEG DCT scale before paying for the decode.
///
/// ```swift
/// let file = try EncodedImage(path: "train/n01440764/x.JPEG")
/// let image = try file.decode(reduction: file.reduction(region: (500, 375), target: (224, 224)))
/// ```
public struct EncodedImage: Sendable {
    public enum Format: String, Sendable { case jpeg, png }

    public let path: String
    public let bytes: [UInt8]
    public let format: Format
    public let width: Int
    public let height: Int

    /// Reads `path` and its header; a file that is neither JPEG nor PNG or whose header is broken
    /// is a `DataError.undecodable` naming the file.
    public init(path: String) throws {
        try self.init(bytes: try DatasetFileIO.read(path), path: path)
    }

    public init(bytes: [UInt8], path: String) throws {
        self.path = path
        self.bytes = bytes
        if PNGDecoder.hasSignature(bytes) {
            format = .png
            (width, height) = try Self.pngSize(bytes, path: path)
        } else if JPEGDecoder.hasSignature(bytes) {
            format = .jpeg
            (width, height) = try Self.jpegSize(bytes, path: path)
        } else {
            throw DataError.undecodable(path: path, detail: "neither a JPEG nor a PNG signature")
        }
        guard width > 0, height > 0 else {
            throw DataError.undecodable(path: path, detail: "header gives an empty image (\(width)x\(height))")
        }
    }

    /// The DCT scale denominator (1, 2, 4 or 8) for a JPEG whose `region` (in full-size pixels) will
    /// be resized to `target`: the largest d with region / d still at least the target on both sides,
    /// Pillow's `Image.draft` rule (scale = min(W // w, H // h), rounded down to 8, 4, 2 or 1). PNG
    /// has no such scaling: always 1.
    public func reduction(region: (width: Int, height: Int), target: (width: Int, height: Int)) -> Int {
        guard format == .jpeg, target.width > 0, target.height > 0 else { return 1 }
        let scale = min(region.width / target.width, region.height / target.height)
        return [8, 4, 2, 1].first { scale >= $0 } ?? 1
    }

    /// Rows `rows` of the image decoded at 1/`reduction`, full width: for a JPEG only those rows go
    /// through the IDCT and colour conversion (the others are skipped), and the file is still read
    /// to its end, so a truncated file fails whichever rows are asked for; the pixels are those of
    /// the whole decode. A PNG is decoded whole and cut.
    public func decode(reduction: Int = 1, rows: Range<Int>) throws -> AugImage {
        guard format == .jpeg else {
            let whole = try decode(reduction: reduction)
            return whole.cropped(top: rows.lowerBound, left: 0, height: rows.count, width: whole.width)
        }
        var result = tk_decoded_image()
        let status = bytes.withUnsafeBufferPointer {
            tk_jpeg_decode_rows($0.baseAddress, $0.count, Int32(reduction), Int32(rows.lowerBound), Int32(rows.count), &result)
        }
        let decoded = try ImageCodecResult.take(&result, status: status, path: path, format: "JPEG")
        return AugImage(width: decoded.width, height: decoded.height, channels: 3, pixels: decoded.pixels)
    }

    /// Decoded to RGB, a JPEG at 1/`reduction` of its size (ceil(width / d) x ceil(height / d)).
    public func decode(reduction: Int = 1) throws -> AugImage {
        let decoded: DecodedImage
        switch format {
        case .png:
            decoded = try PNGDecoder.decode(bytes, path: path)
        case .jpeg where reduction == 1:
            decoded = try JPEGDecoder.decode(bytes, path: path)
        case .jpeg:
            var result = tk_decoded_image()
            let status = bytes.withUnsafeBufferPointer {
                tk_jpeg_decode_scaled($0.baseAddress, $0.count, Int32(reduction), &result)
            }
            decoded = try ImageCodecResult.take(&result, status: status, path: path, format: "JPEG")
        }
        return AugImage(width: decoded.width, height: decoded.height, channels: 3, pixels: decoded.pixels)
    }

    private static func jpegSize(_ bytes: [UInt8], path: String) throws -> (Int, Int) {
        var w: Int32 = 0, h: Int32 = 0
        var message = [CChar](repeating: 0, count: 200)
        let status = bytes.withUnsafeBufferPointer { tk_jpeg_read_size($0.baseAddress, $0.count, &w, &h, &message) }
        guard status == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DataError.undecodable(path: path, detail: "JPEG header: \(text)")
        }
        return (Int(w), Int(h))
    }

    /// Width and height from the IHDR chunk, which the PNG specification puts first.
    private static func pngSize(_ bytes: [UInt8], path: String) throws -> (Int, Int) {
        guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw DataError.undecodable(path: path, detail: "PNG: no IHDR chunk after the signature")
        }
        let be = { (o: Int) in bytes[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }
}
