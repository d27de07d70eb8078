/// The regular files of a tar archive (plain or gzipped), read whole into memory.
/// Understands ustar (name prefix), GNU long names (`L`) and pax extended headers (`x`: `path`
/// and `size` honoured, other keys skipped; `g` skipped). Directories, links and devices are
/// skipped.
public struct TarArchive: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var bytes: [UInt8]
    }

    /// The regular files in archive order.
    public private(set) var entries: [Entry]
    private var indexByName: [String: Int]

    /// Reads the archive at `path`, gunzipping it first when it starts with the gzip magic.
    public init(contentsOf path: String) throws {
        try self.init(bytes: DatasetFileIO.readMaybeGzipped(path), path: path)
    }

    /// Parses an uncompressed tar image; `path` names the archive in errors.
    public init(bytes: [UInt8], path: String) throws {
        entries = try TarParser(bytes: bytes, path: path).parse()
        indexByName = [:]
        for (i, entry) in entries.enumerated() { indexByName[entry.name] = i }
    }

    /// The contents of the file named `name` (a later duplicate wins, as tar extraction does).
    public subscript(name: String) -> [UInt8]? {
        indexByName[name].map { entries[$0].bytes }
    }

    /// The contents of the one file whose path ends in `/suffix` (or is `suffix`), so callers
    /// need not know the archive's top folder name.
    public func entry(endingWith suffix: String) -> [UInt8]? {
        if let exact = self[suffix] { return exact }
        return entries.last { $0.name.hasSuffix("/" + suffix) }?.bytes
    }
}

/// Walks 512-byte tar blocks.
private struct TarParser {
    let bytes: [UInt8]
    let path: String
    private static let block = 512

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    func parse() throws -> [TarArchive.Entry] {
        var entries: [TarArchive.Entry] = []
        var offset = 0
        var pendingName: String?
        var pendingSize: Int?
        while offset + Self.block <= bytes.count {
            let header = bytes[offset..<(offset + Self.block)]
            if header.allSatisfy({ $0 == 0 }) { return entries }
            try verifyChecksum(header, at: offset)
            let type = header[header.startIndex + 156]
            let size = try pendingSize ?? octal(header, field: 124, length: 12, at: offset)
            let dataStart = offset + Self.block
            guard size <= bytes.count - dataStart else {
                throw DataError.truncated(
                    path: path, detail: "tar entry at byte \(offset) needs \(size) bytes, \(bytes.count - dataStart) left")
            }
            let data = bytes[dataStart..<(dataStart + size)]
            let headerOffset = offset
            offset = dataStart + (size + Self.block - 1) / Self.block * Self.block
            switch type {
            case UInt8(ascii: "L"):
                pendingName = cString(data)
            case UInt8(ascii: "x"):
                let overrides = try paxRecords(data, at: dataStart)
                pendingName = overrides["path"] ?? pendingName
                pendingSize = try overrides["size"].map { try paxSize($0, at: dataStart) }
                continue
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                let name = try contained(normalized(pendingName ?? headerName(header)), at: headerOffset)
                entries.append(TarArchive.Entry(name: name, bytes: Array(data)))
                pendingName = nil
            default:
                // Directories, links, devices, global pax headers, GNU long link names.
                if type != UInt8(ascii: "K") && type != UInt8(ascii: "g") { pendingName = nil }
            }
            pendingSize = nil
        }
        if offset == bytes.count { return entries }  // missing end-of-archive blocks: accepted
        throw DataError.truncated(path: path, detail: "tar header at byte \(offset) is cut short")
    }

    private func verifyChecksum(_ header: ArraySlice<UInt8>, at offset: Int) throws {
        let stored = try octal(header, field: 148, length: 8, at: offset)
        var unsigned = 0
        var signed = 0
        for (i, byte) in header.enumerated() {
            let value = (148..<156).contains(i) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        guard stored == unsigned || stored == signed else {
            throw DataError.badHeader(path: path, detail: "tar header at byte \(offset) has a bad checksum")
        }
    }

    /// An octal number field (NUL/space padded), or GNU base-256 when the top bit is set.
    private func octal(_ header: ArraySlice<UInt8>, field: Int, length: Int, at offset: Int) throws -> Int {
        let start = header.startIndex + field
        let raw = header[start..<(start + length)]
        if let first = raw.first, first & 0x80 != 0 {
            var value = Int(first & 0x7F)
            for byte in raw.dropFirst() {
                guard value <= (Int.max >> 8) else { break }
                value = value << 8 | Int(byte)
            }
            return value
        }
        var value = 0
        var seenDigit = false
        for byte in raw {
            if byte == 0 || (byte == 0x20 && seenDigit) { break }
            if byte == 0x20 { continue }
            guard (0x30...0x37).contains(byte), value <= (Int.max >> 3) else {
                throw DataError.badHeader(path: path, detail: "tar header at byte \(offset) has a non-octal field")
            }
            value = value * 8 + Int(byte - 0x30)
            seenDigit = true
        }
        return value
    }

    /// `prefix/name` for ustar archives; GNU archives use the prefix area for other fields.
    private func headerName(_ header: ArraySlice<UInt8>) -> String {
        let s = header.startIndex
        let name = cString(header[s..<(s + 100)])
        let isUstar = Array(header[(s + 257)..<(s + 263)]) == Array("ustar\0".utf8)
        let prefix = isUstar ? cString(header[(s + 345)..<(s + 500)]) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    /// Records `"<length> <key>=<value>\n"`.
    private func paxRecords(_ data: ArraySlice<UInt8>, at offset: Int) throws -> [String: String] {
        var records: [String: String] = [:]
        var cursor = data.startIndex
        while cursor < data.endIndex {
            guard let space = data[cursor...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: data[cursor..<space], as: UTF8.self)),
                  length >= space - cursor + 2, length <= data.endIndex - cursor
            else {
                throw DataError.badHeader(path: path, detail: "malformed pax header at byte \(offset)")
            }
            let record = data[(space + 1)..<(cursor + length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[..<equals], as: UTF8.self)
                records[key] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            cursor += length
        }
        return records
    }

    private func paxSize(_ text: String, at offset: Int) throws -> Int {
        guard let size = Int(text), size >= 0 else {
            throw DataError.badHeader(path: path, detail: "bad pax size '\(text)' at byte \(offset)")
        }
        return size
    }

    private func cString(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A member name that stays inside the archive's folder: relative, without `..` parts
    /// (`../../.bashrc` or `/etc/passwd` in a downloaded archive is an attack, not data).
    private func contained(_ name: String, at offset: Int) throws -> String {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.hasPrefix("/"), !parts.contains("..") else {
            throw DataError.badHeader(path: path, detail: "tar entry at byte \(offset) is named '\(name)', which leaves the archive's folder")
        }
        return name
    }

    private func normalized(_ name: String) -> String {
        var name = Substring(name)
        while name.hasPrefix("./") { name = name.dropFirst(2) }
        return String(name)
    }
}
