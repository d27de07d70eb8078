/// The subset of zip that `torch.save` uses: stored (uncompressed) entries, found through the
/// central directory, with ZIP64 sizes and offsets understood on read.
struct TorchZipReader {
    struct Entry {
        var name: String
        var dataOffset: Int
        var size: Int
        var crc: UInt32
    }

    let bytes: [UInt8]
    let path: String
    private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    init(bytes: [UInt8], path: String) throws {
        self.bytes = bytes
        self.path = path
        let directory = try locateCentralDirectory()
        var at = directory.offset
        for _ in 0..<directory.count {
            let entry = try readCentralEntry(at: &at)
            index[entry.name] = entries.count
            entries.append(entry)
        }
    }

    func contains(_ name: String) -> Bool { index[name] != nil }

    /// The bytes of entry `name`, checked against its CRC.
    func data(_ name: String) throws -> [UInt8] {
        guard let i = index[name] else { throw TorchFileError.missingRecord(path: path, record: name) }
        let e = entries[i]
        let slice = bytes[e.dataOffset..<(e.dataOffset + e.size)]
        guard TorchZipCRC32.checksum(slice) == e.crc else {
            throw TorchFileError.notAZipArchive(path: path, detail: "CRC mismatch in '\(name)', the file is corrupt")
        }
        return Array(slice)
    }

    private func fail(_ detail: String) -> TorchFileError {
        .notAZipArchive(path: path, detail: detail)
    }

    private func uint(_ at: Int, _ width: Int) throws -> UInt64 {
        guard at >= 0, width <= bytes.count - at else { throw fail("structure runs past the end of the file") }
        var v: UInt64 = 0
        for i in 0..<width { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return v
    }

    private func int(_ at: Int, _ width: Int) throws -> Int {
        let v = try uint(at, width)
        guard v <= UInt64(bytes.count) else { throw fail("size or offset \(v) is beyond the end of the file") }
        return Int(v)
    }

    private func locateCentralDirectory() throws -> (offset: Int, count: Int) {
        let eocdSignature: UInt64 = 0x0605_4B50
        var eocd = -1
        var at = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while at >= lowest {
            if bytes[at] == 0x50, try uint(at, 4) == eocdSignature { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record") }
        // torch always adds a ZIP64 end record; other writers add it only when sizes overflow.
        let locator = eocd - 20
        if locator >= 0, try uint(locator, 4) == 0x0706_4B50 {
            let record = try int(locator + 8, 8)
            guard try uint(record, 4) == 0x0606_4B50 else { throw fail("bad ZIP64 end record") }
            return (try int(record + 48, 8), try int(record + 32, 8))
        }
        return (try int(eocd + 16, 4), try int(eocd + 10, 2))
    }

    private func readCentralEntry(at: inout Int) throws -> Entry {
        guard try uint(at, 4) == 0x0201_4B50 else { throw fail("bad central directory entry at byte \(at)") }
        let method = try uint(at + 10, 2)
        let crc = UInt32(try uint(at + 16, 4))
        var compressed = try uint(at + 20, 4)
        var size = try uint(at + 24, 4)
        let nameLength = try int(at + 28, 2)
        let extraLength = try int(at + 30, 2)
        let commentLength = try int(at + 32, 2)
        var localOffset = try uint(at + 42, 4)
        guard nameLength <= bytes.count - (at + 46) else { throw fail("entry name runs past the end") }
        let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
        try readZip64Extra(from: at + 46 + nameLength, length: extraLength,
                           size: &size, compressed: &compressed, offset: &localOffset)
        at += 46 + nameLength + extraLength + commentLength
        guard method == 0 else {
            throw fail("entry '\(name)' is compressed (method \(method)); torch.save stores entries uncompressed")
        }
        guard compressed == size else { throw fail("stored entry '\(name)' has two different sizes") }
        let local = Int(clamping: localOffset)
        guard try uint(local, 4) == 0x0403_4B50 else { throw fail("bad local header for '\(name)'") }
        let dataOffset = local + 30 + (try int(local + 26, 2)) + (try int(local + 28, 2))
        guard size <= UInt64(bytes.count), dataOffset <= bytes.count - Int(size) else {
            throw fail("entry '\(name)' runs past the end of the file")
        }
        return Entry(name: name, dataOffset: dataOffset, size: Int(size), crc: crc)
    }

    /// ZIP64 extra field (id 1): 8-byte values for whichever header fields hold 0xFFFFFFFF, in order.
    private func readZip64Extra(from start: Int, length: Int, size: inout UInt64, compressed: inout UInt64,
                                offset: inout UInt64) throws {
        var at = start
        let end = start + length
        while at + 4 <= end {
            let id = try uint(at, 2)
            let fieldLength = try int(at + 2, 2)
            if id == 1 {
                var p = at + 4
                for field in 0..<3 {
                    let current = field == 0 ? size : field == 1 ? compressed : offset
                    guard current == 0xFFFF_FFFF else { continue }
                    guard p + 8 <= at + 4 + fieldLength else { throw fail("short ZIP64 extra field") }
                    let v = try uint(p, 8)
                    if field == 0 { size = v } else if field == 1 { compressed = v } else { offset = v }
                    p += 8
                }
            }
            at += 4 + fieldLength
        }
    }
}

/// Writes stored entries the way torch does: each entry's data starts on a 64-byte boundary,
/// padded with an extra field (id "FB") in the local header.
struct TorchZipWriter {
    static let alignment = 64
    private(set) var output: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0

    mutating func add(_ name: String, _ data: [UInt8]) throws {
        let nameBytes = Array(name.utf8)
        let crc = TorchZipCRC32.checksum(data[...])
        let offset = output.count
        let base = offset + 30 + nameBytes.count + 4
        let padding = (Self.alignment - base % Self.alignment) % Self.alignment
        guard offset + 30 + nameBytes.count + 4 + padding + data.count < 0xFFFF_FFFF else {
            throw TorchZipWriterError.tooLarge
        }
        append32(&output, 0x0403_4B50)
        append16(&output, 20)              // version needed
        append16(&output, 0x0800)          // names are UTF-8
        append16(&output, 0)               // stored
        append16(&output, 0); append16(&output, 0)  // time, date
        append32(&output, crc)
        append32(&output, UInt32(data.count)); append32(&output, UInt32(data.count))
        append16(&output, UInt16(nameBytes.count))
        append16(&output, UInt16(4 + padding))
        output.append(contentsOf: nameBytes)
        output.append(contentsOf: [0x46, 0x42])
        append16(&output, UInt16(padding))
        output.append(contentsOf: repeatElement(0x5A, count: padding))
        output.append(contentsOf: data)

        append32(&central, 0x0201_4B50)
        append16(&central, 20); append16(&central, 20)
        append16(&central, 0x0800); append16(&central, 0)
        append16(&central, 0); append16(&central, 0)
        append32(&central, crc)
        append32(&central, UInt32(data.count)); append32(&central, UInt32(data.count))
        append16(&central, UInt16(nameBytes.count))
        append16(&central, 0); append16(&central, 0)   // extra, comment
        append16(&central, 0); append16(&central, 0)   // disk, internal attributes
        append32(&central, 0)                          // external attributes
        append32(&central, UInt32(offset))
        central.append(contentsOf: nameBytes)
        count += 1
    }

    /// The finished archive: entries, central directory, end record.
    mutating func finish() throws -> [UInt8] {
        let directoryOffset = output.count
        guard count < 0xFFFF, directoryOffset + central.count < 0xFFFF_FFFF else { throw TorchZipWriterError.tooLarge }
        var out = output
        out.append(contentsOf: central)
        append32(&out, 0x0605_4B50)
        append16(&out, 0); append16(&out, 0)
        append16(&out, UInt16(count)); append16(&out, UInt16(count))
        append32(&out, UInt32(central.count))
        append32(&out, UInt32(directoryOffset))
        append16(&out, 0)
        return out
    }

    private func append16(_ out: inout [UInt8], _ v: UInt16) {
        out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8))
    }

    private func append32(_ out: inout [UInt8], _ v: UInt32) {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }
}

enum TorchZipWriterError: Error {
    /// Past 4 GiB the archive would need ZIP64 records, which this writer does not produce.
    case tooLarge
}
