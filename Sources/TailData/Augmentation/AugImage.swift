/// One image being augmented: `height x width x channels` bytes in HWC order, the layout of
/// `ImageSet`. Every augmentation op takes and returns one of these, so a pipeline is a chain of
/// value transformations with no hidden state.
public struct AugImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "AugImage: pixel count does not match shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A blank image filled with `value` in every channel.
    public init(width: Int, height: Int, channels: Int, filledWith value: UInt8 = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// Image `index` of `set`, copied out so ops can modify it.
    public init(_ set: ImageSet, index: Int) {
        self.init(width: set.width, height: set.height, channels: set.channels, pixels: Array(set.image(index)))
    }

    public var pixelCount: Int { width * height }

    /// Channel `c` of pixel (x, y).
    public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// Builds an image of the given shape by letting `body` fill an uninitialised buffer of
    /// `width * height * channels` bytes; `body` must write every byte.
    static func build(width: Int, height: Int, channels: Int,
                      _ body: (UnsafeMutableBufferPointer<UInt8>) -> Void) -> AugImage {
        let count = width * height * channels
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer)
            initialized = count
        }
        return AugImage(width: width, height: height, channels: channels, pixels: bytes)
    }

    /// Maps every byte through a 256-entry table per channel (`tables[c]`), as PIL's `point` does.
    mutating func applyChannelTables(_ tables: [[UInt8]]) {
        let c = channels
        pixels.withUnsafeMutableBufferPointer { px in
            for ch in 0..<c {
                tables[ch].withUnsafeBufferPointer { lut in
                    var i = ch
                    while i < px.count {
                        px[i] = lut[Int(px[i])]
                        i += c
                    }
                }
            }
        }
    }

    /// Maps every byte through one 256-entry table shared by all channels.
    mutating func applyTable(_ table: [UInt8]) {
        table.withUnsafeBufferPointer { lut in
            pixels.withUnsafeMutableBufferPointer { px in
                for i in 0..<px.count { px[i] = lut[Int(px[i])] }
            }
        }
    }
}
