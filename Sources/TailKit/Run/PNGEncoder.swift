import CZlib

/// A small PNG writer (8-bit RGB) for the images TailKit puts into TensorBoard, using zlib for the
/// compressed image data and the chunk checksums.
enum PNGEncoder {
    static func encodeRGB(width: Int, height: Int, pixels: [UInt8]) -> [UInt8] {
        precondition(pixels.count == width * height * 3, "PNG: pixel count does not match the size")
        var raw: [UInt8] = []
        raw.reserveCapacity((width * 3 + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: pixels[(y * width * 3)..<((y + 1) * width * 3)])
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        append32(&header, UInt32(width))
        append32(&header, UInt32(height))
        header += [8, 2, 0, 0, 0]  // depth 8, colour type RGB, deflate, no filter, no interlace
        chunk(&png, "IHDR", header)
        chunk(&png, "IDAT", zlibCompress(raw))
        chunk(&png, "IEND", [])
        return png
    }

    private static func zlibCompress(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&out, &size, data, uLong(data.count), 6)
        precondition(status == Z_OK, "zlib compress2 failed (\(status)) on an in-memory buffer")
        return Array(out.prefix(Int(size)))
    }

    private static func chunk(_ png: inout [UInt8], _ type: String, _ data: [UInt8]) {
        append32(&png, UInt32(data.count))
        let body = Array(type.utf8) + data
        png += body
        append32(&png, UInt32(crc32(0, body, uInt(body.count))))
    }

    private static func append32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}
