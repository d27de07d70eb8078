/// MNIST-style IDX files (`*-idx3-ubyte`, `*-idx1-ubyte`), plain or gzipped: a big-endian
/// header `00 00 <type> <ndims>`, one 32-bit big-endian size per dimension, then the data.
/// Only unsigned-byte data (type 0x08) is used by the published image sets.
public enum IDX {
    /// Magic of an unsigned-byte 3-D array (images: count x rows x cols).
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic of an unsigned-byte 1-D array (labels).
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// An unsigned-byte IDX array: its dimension sizes and its data in row-major order.
    public struct Array: Sendable, Equatable {
        public var dimensions: [Int]
        public var bytes: [UInt8]
    }

    /// Reads an unsigned-byte IDX file with the given magic (`imagesMagic` or `labelsMagic`).
    public static func readArray(path: String, magic: UInt32) throws -> IDX.Array {
        try parseArray(DatasetFileIO.readMaybeGzipped(path), path: path, magic: magic)
    }

    /// Parses the (already gunzipped) bytes of an unsigned-byte IDX file.
    public static func parseArray(_ bytes: [UInt8], path: String, magic: UInt32) throws -> IDX.Array {
        let rank = Int(magic & 0xFF)
        let headerSize = 4 + 4 * rank
        guard bytes.count >= 4 else {
            throw DataError.truncated(path: path, detail: "\(bytes.count) bytes, the IDX magic needs 4")
        }
        let found = bigEndianWord(bytes, at: 0)
        guard found == magic else {
            throw DataError.badHeader(path: path, detail: "IDX magic is \(hex(found)), expected \(hex(magic))")
        }
        guard bytes.count >= headerSize else {
            throw DataError.truncated(path: path, detail: "IDX header needs \(headerSize) bytes")
        }
        let dimensions = (0..<rank).map { Int(bigEndianWord(bytes, at: 4 + 4 * $0)) }
        let (total, overflow) = dimensions.reduce((1, false)) { acc, size in
            let product = acc.0.multipliedReportingOverflow(by: size)
            return (product.partialValue, acc.1 || product.overflow)
        }
        let available = bytes.count - headerSize
        guard !overflow else {
            throw DataError.badHeader(path: path, detail: "dimensions \(dimensions) describe more bytes than any file holds")
        }
        guard total <= available else {
            throw DataError.truncated(
                path: path, detail: "dimensions \(dimensions) need \(total) data bytes, file has \(available)")
        }
        guard total == available else {
            throw DataError.badHeader(
                path: path, detail: "dimensions \(dimensions) need \(total) data bytes, file has \(available)")
        }
        return IDX.Array(dimensions: dimensions, bytes: Swift.Array(bytes[headerSize...]))
    }

    /// An `ImageSet` (HWC, one channel) from an images file and its labels file. Every label must
    /// be below `classNames.count` and the two files must hold the same number of records.
    public static func loadImageSet(images: String, labels: String, classNames: [String]) throws -> ImageSet {
        let pixels = try readArray(path: images, magic: imagesMagic)
        let labelBytes = try readArray(path: labels, magic: labelsMagic).bytes
        let count = pixels.dimensions[0]
        guard count == labelBytes.count else {
            throw DataError.countMismatch(path: images, images: count, labels: labelBytes.count)
        }
        var labelValues = [Int](repeating: 0, count: count)
        for (i, label) in labelBytes.enumerated() {
            guard Int(label) < classNames.count else {
                throw DataError.labelOutOfRange(
                    path: labels, index: i, label: Int(label), validRange: "0..<\(classNames.count)")
            }
            labelValues[i] = Int(label)
        }
        return ImageSet(images: pixels.bytes, labels: labelValues, height: pixels.dimensions[1],
                        width: pixels.dimensions[2], channels: 1, classNames: classNames)
    }

    /// The standard four-file layout of MNIST and Fashion-MNIST under `root`
    /// (`train-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`, ...).
    public static func loadStandardSplit(root: String, train: Bool, classNames: [String]) throws -> ImageSet {
        let prefix = train ? "train" : "t10k"
        let images = try DatasetFileIO.firstExisting(
            in: root, ["\(prefix)-images-idx3-ubyte.gz", "\(prefix)-images-idx3-ubyte", "\(prefix)-images.idx3-ubyte"])
        let labels = try DatasetFileIO.firstExisting(
            in: root, ["\(prefix)-labels-idx1-ubyte.gz", "\(prefix)-labels-idx1-ubyte", "\(prefix)-labels.idx1-ubyte"])
        return try loadImageSet(images: images, labels: labels, classNames: classNames)
    }

    /// `set` with every image centred in a zero border of the given size (28x28 -> 32x32 lets
    /// CIFAR-shaped networks run on MNIST-style data).
    public static func zeroPadded(_ set: ImageSet, height: Int, width: Int) throws -> ImageSet {
        guard height >= set.height, width >= set.width else {
            throw DataError.invalidArgument(
                "cannot pad \(set.height)x\(set.width) images down to \(height)x\(width)")
        }
        let top = (height - set.height) / 2
        let left = (width - set.width) / 2
        let rowBytes = set.width * set.channels
        let outImage = height * width * set.channels
        var out = [UInt8](repeating: 0, count: set.count * outImage)
        out.withUnsafeMutableBufferPointer { dst in
            set.images.withUnsafeBufferPointer { src in
                for n in 0..<set.count {
                    for y in 0..<set.height {
                        let from = n * set.imageBytes + y * rowBytes
                        let to = n * outImage + ((y + top) * width + left) * set.channels
                        for i in 0..<rowBytes { dst[to + i] = src[from + i] }
                    }
                }
            }
        }
        return ImageSet(images: out, labels: set.labels, height: height, width: width,
                        channels: set.channels, classNames: set.classNames)
    }

    private static func bigEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
