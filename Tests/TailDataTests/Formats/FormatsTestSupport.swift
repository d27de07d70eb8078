import CZlib
import Foundation
@testable import TailData

/// zlib compression for building test files: gzip members (`gzip: true`) or zlib streams.
enum FormatsDeflate {
    static func compress(_ input: [UInt8], gzip: Bool, level: Int32 = 6) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { deflateEnd(stream); stream.deallocate() }
        let windowBits: Int32 = gzip ? 15 + 16 : 15
        guard deflateInit2_(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, UInt(input.count))) + 64)
        var source = input
        let written = source.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.pointee.next_in = inBuffer.baseAddress
                stream.pointee.avail_in = UInt32(inBuffer.count)
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = UInt32(outBuffer.count)
                _ = deflate(stream, Z_FINISH)
                return outBuffer.count - Int(stream.pointee.avail_out)
            }
        }
        return Array(output[..<written])
    }

    static func gzip(_ input: [UInt8]) -> [UInt8] { compress(input, gzip: true) }
}

/// Random bytes from a seeded generator.
func formatsRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
}

/// Builds tar images block by block: ustar headers, GNU long names and pax headers.
struct FormatsTarWriter {
    private(set) var bytes: [UInt8] = []

    /// A regular file. Names over 100 bytes need `longName: .gnu` or `.pax` (or a ustar prefix).
    mutating func addFile(_ name: String, _ data: [UInt8], longName: LongName = .none, prefix: String = "") {
        switch longName {
        case .none:
            break
        case .gnu:
            addEntry(name: "././@LongLink", type: "L", data: Array(name.utf8) + [0], magicGNU: true)
        case .pax:
            addEntry(name: "PaxHeaders/x", type: "x", data: paxRecord("path", name) + paxRecord("mtime", "1"))
        }
        let headerName = longName == .none ? name : String(name.suffix(99))
        addEntry(name: headerName, type: "0", data: data, prefix: prefix)
    }

    enum LongName { case none, gnu, pax }

    mutating func addDirectory(_ name: String) {
        addEntry(name: name, type: "5", data: [])
    }

    mutating func addEntry(name: String, type: Character, data: [UInt8], prefix: String = "", magicGNU: Bool = false) {
        var header = [UInt8](repeating: 0, count: 512)
        put(&header, 0, Array(name.utf8.prefix(100)))
        put(&header, 100, octal(0o644, width: 8))
        put(&header, 108, octal(0, width: 8))
        put(&header, 116, octal(0, width: 8))
        put(&header, 124, octal(data.count, width: 12))
        put(&header, 136, octal(0, width: 12))
        header[156] = type.asciiValue ?? 0x30
        put(&header, 257, magicGNU ? Array("ustar  \0".utf8) : Array("ustar\0".utf8) + Array("00".utf8))
        if !magicGNU { put(&header, 345, Array(prefix.utf8.prefix(155))) }
        for i in 148..<156 { header[i] = 0x20 }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(&header, 148, Array(String(format: "%06o", sum).utf8) + [0, 0x20])
        bytes += header
        bytes += data
        bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    /// The archive with its two zero end blocks.
    func finished() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }

    private func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while "\(length)".utf8.count + body.utf8.count != length { length += 1 }
        return Array("\(length)\(body)".utf8)
    }

    private func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = String(value, radix: 8)
        return Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8) + [0]
    }

    private func put(_ header: inout [UInt8], _ offset: Int, _ field: [UInt8]) {
        for (i, byte) in field.enumerated() { header[offset + i] = byte }
    }
}
