/// One decoded image of its own size: 8-bit samples in HWC order.
public struct DecodedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Decodes a JPEG or PNG file to RGB, choosing the codec by the file's signature rather
    /// than its extension (ImageNet has PNG files named `.JPEG`).
    public static func decodeFile(_ path: String) throws -> DecodedImage {
        let bytes = try DatasetFileIO.read(path)
        if PNGDecoder.hasSignature(bytes) { return try PNGDecoder.decode(bytes, path: path) }
        if JPEGDecoder.hasSignature(bytes) { return try JPEGDecoder.decode(bytes, path: path) }
        throw DataError.undecodable(path: path, detail: "neither a JPEG nor a PNG signature")
    }

    /// This image scaled to `width` x `height` by bilinear interpolation with pixel centres
    /// aligned (the `align_corners=False` convention), without antialiasing.
    public func resized(width newWidth: Int, height newHeight: Int) throws -> DecodedImage {
        guard newWidth > 0, newHeight > 0 else {
            throw DataError.invalidArgument("resize target \(newHeight)x\(newWidth) must be positive")
        }
        if newWidth == width && newHeight == height { return self }
        let xTaps = BilinearTaps(source: width, target: newWidth)
        let yTaps = BilinearTaps(source: height, target: newHeight)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
        let channels = self.channels
        let sourceRow = width * channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    let row0 = yTaps.low[y] * sourceRow, row1 = yTaps.high[y] * sourceRow
                    let fy = yTaps.weight[y]
                    for x in 0..<newWidth {
                        let col0 = xTaps.low[x] * channels, col1 = xTaps.high[x] * channels
                        let fx = xTaps.weight[x]
                        for c in 0..<channels {
                            let top = Float(src[row0 + col0 + c]) * (1 - fx) + Float(src[row0 + col1 + c]) * fx
                            let bottom = Float(src[row1 + col0 + c]) * (1 - fx) + Float(src[row1 + col1 + c]) * fx
                            let value = top * (1 - fy) + bottom * fy
                            dst[(y * newWidth + x) * channels + c] = UInt8(min(max(value.rounded(), 0), 255))
                        }
                    }
                }
            }
        }
        return DecodedImage(width: newWidth, height: newHeight, channels: channels, pixels: out)
    }
}

/// For each target coordinate: the two source neighbours and the weight of the second.
private struct BilinearTaps {
    var low: [Int]
    var high: [Int]
    var weight: [Float]

    init(source: Int, target: Int) {
        let scale = Float(source) / Float(target)
        low = []
        high = []
        weight = []
        for i in 0..<target {
            let centre = max((Float(i) + 0.5) * scale - 0.5, 0)
            let index = min(Int(centre), source - 1)
            low.append(index)
            high.append(min(index + 1, source - 1))
            weight.append(centre - Float(index))
        }
    }
}
