import Pickle

/// Reads torch.save's legacy serialization: what torch < 1.6 wrote, and what later versions still
/// write with `_use_new_zipfile_serialization=False`. Five pickles back to back, then raw storages:
///
/// 1. the magic number, the int 0x1950a86a20f9469cfc6c;
/// 2. the protocol version, the int 1001;
/// 3. sys info: `{'protocol_version': 1001, 'little_endian': True,
///    'type_sizes': {'short': 2, 'int': 4, 'long': 4}}`;
/// 4. the saved object. Tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`
///    calls, as in the zip format, whose storage is the persistent id
///    `('storage', torch.FloatStorage, key, location, numel, view_metadata)`;
/// 5. the list of storage keys;
/// 6. for each key of 5, in that order: the storage's element count as a little-endian int64
///    (8 bytes), then count × element size bytes of little-endian elements. The element type is
///    the one the persistent ids of 4 give that key; the data itself does not say.
///
/// `init` reads and checks the whole file: every section is there, every size fits in the bytes
/// that remain before anything is allocated for it, every storage a tensor names is listed exactly
/// once, and nothing follows the last storage. A damaged file is a `TorchFileError` naming the
/// path, never a partial result.
struct TorchLegacyFile {
    /// The magic number as LONG1 stores it: little-endian two's complement.
    static let magicNumber: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    static let protocolVersion: Int64 = 1001
    /// torch records `struct.Struct('=h' / '=i' / '=l').size`, which are standard sizes, the same on
    /// every platform; anything else was not written by torch.
    static let typeSizes: [String: Int] = ["short": 2, "int": 4, "long": 4]

    let path: String
    /// Pickle 4, the saved object, with tensors still as `_rebuild_tensor_v2` calls.
    let root: PickleValue
    private let storages: [String: [UInt8]]

    /// A legacy file starts with the PROTO opcode of its first pickle, a zip archive with "PK".
    static func looksLegacy(_ bytes: [UInt8]) -> Bool {
        bytes.first == 0x80
    }

    init(bytes: [UInt8], path: String) throws {
        var reader = LegacySectionReader(bytes: bytes, path: path)
        try Self.checkMagic(try reader.pickle("magic number"), path: path)
        try Self.checkProtocol(try reader.pickle("protocol version"), path: path)
        try Self.checkSysInfo(try reader.pickle("sys info"), path: path)
        let root = try reader.pickle("saved object")
        let referenced = try Self.storageReferences(in: root, path: path)
        let listed = try Self.storageKeys(try reader.pickle("storage key list"), referenced: referenced, path: path)
        var storages: [String: [UInt8]] = [:]
        for (index, reference) in listed.enumerated() {
            storages[reference.key] = try reader.storage(number: index + 1, of: listed.count, reference: reference)
        }
        try reader.expectEnd()
        self.path = path
        self.root = root
        self.storages = storages
    }

    /// The bytes of storage `key`; all were read and checked by `init`.
    func storage(_ key: String) throws -> [UInt8] {
        guard let bytes = storages[key] else {
            throw TorchFileError.badLegacyFile(path: path, detail: "no storage '\(key)' in the file")
        }
        return bytes
    }

    // MARK: header pickles

    private static func fail(_ path: String, _ detail: String) -> TorchFileError {
        .badLegacyFile(path: path, detail: detail)
    }

    private static func checkMagic(_ value: PickleValue, path: String) throws {
        guard case .bigInt(let bytes) = value, bytes == magicNumber else {
            throw fail(path, "wrong magic number: the first pickle is \(describe(value)), not 0x1950a86a20f9469cfc6c")
        }
    }

    private static func checkProtocol(_ value: PickleValue, path: String) throws {
        guard value == .int(protocolVersion) else {
            throw fail(path, "unsupported protocol version \(describe(value)); only \(protocolVersion) is known")
        }
    }

    private static func checkSysInfo(_ value: PickleValue, path: String) throws {
        guard value.dictEntries != nil else { throw fail(path, "sys info is a \(value.kindName), not a dict") }
        guard value["protocol_version"] == .int(protocolVersion) else {
            throw fail(path, "sys info protocol_version is \(value["protocol_version"].map(describe) ?? "missing"), "
                + "not \(protocolVersion)")
        }
        guard value["little_endian"] == .bool(true) else {
            // Storages are raw machine-order bytes; a big-endian writer's would need swapping.
            throw fail(path, "sys info little_endian is \(value["little_endian"].map(describe) ?? "missing"); "
                + "only files written on little-endian machines are supported")
        }
        guard let sizes = value["type_sizes"], let parsed = typeSizes(sizes), parsed == typeSizes else {
            throw fail(path, "sys info type_sizes are \(value["type_sizes"].map(describe) ?? "missing"), "
                + "not the \(format(typeSizes)) torch writes")
        }
    }

    /// `{'short': 2, ...}` as a Swift dictionary; nil when a key is not text or a size not an int.
    private static func typeSizes(_ value: PickleValue) -> [String: Int]? {
        guard let entries = value.dictEntries else { return nil }
        var sizes: [String: Int] = [:]
        for entry in entries {
            guard let name = entry.key.text, let size = entry.value.intValue else { return nil }
            sizes[name] = size
        }
        return sizes
    }

    private static func format(_ sizes: [String: Int]) -> String {
        "{" + sizes.sorted { $0.key < $1.key }.map { "'\($0.key)': \($0.value)" }.joined(separator: ", ") + "}"
    }

    /// A short rendering of a header value for error messages (never a whole object graph).
    private static func describe(_ value: PickleValue) -> String {
        switch value {
        case .int(let v): return String(v)
        case .bool(let b): return b ? "True" : "False"
        case .bigInt(let bytes):
            return "0x" + bytes.reversed().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        case .string(let s): return "'\(s.prefix(40))'"
        default:
            if let sizes = typeSizes(value) { return format(sizes) }
            return "a \(value.kindName)"
        }
    }

    // MARK: storages

    /// Every storage the saved object refers to, by key. The data section needs each one's element
    /// type (for its size) and count (to check the file against), which only the references carry.
    private static func storageReferences(in root: PickleValue, path: String) throws -> [String: TorchStorageReference] {
        var found: [String: TorchStorageReference] = [:]
        // An explicit stack: a deep object graph must not exhaust the call stack.
        // Children go on reversed, so references are met in file order and errors name the first.
        var pending = [root]
        while let value = pending.popLast() {
            if case .persistentID = value {
                try record(try TorchStorageReference(value, path: path), in: &found, path: path)
            } else {
                pending.append(contentsOf: children(of: value).reversed())
            }
        }
        return found
    }

    private static func children(of value: PickleValue) -> [PickleValue] {
        switch value {
        case .list(let items), .tuple(let items), .set(let items), .frozenSet(let items): return items
        case .dict(let pairs): return pairs.flatMap { [$0.key, $0.value] }
        case .object(let object): return children(of: object)
        default: return []
        }
    }

    private static func children(of object: PickleObject) -> [PickleValue] {
        var values: [PickleValue]
        switch object.constructor {
        case .reduce(let callable, let args): values = [callable, args]
        case .newObject(let cls, let args, let kwargs): values = [cls, args, kwargs]
        }
        if let state = object.state { values.append(state) }
        values += object.listItems
        values += object.dictItems.flatMap { [$0.key, $0.value] }
        return values
    }

    /// Keeps the first reference to each key; later ones must agree, since one block of bytes
    /// cannot hold two element types or two lengths.
    private static func record(_ reference: TorchStorageReference, in found: inout [String: TorchStorageReference],
                               path: String) throws {
        guard let count = reference.elementCount else {
            throw fail(path, "the reference to storage '\(reference.key)' gives no element count")
        }
        guard let earlier = found[reference.key] else {
            found[reference.key] = reference
            return
        }
        guard earlier.dtype == reference.dtype, earlier.elementCount == count else {
            throw fail(path, "storage '\(reference.key)' is referred to as \(earlier.elementCount ?? 0) \(earlier.dtype) "
                + "elements and as \(count) \(reference.dtype) elements")
        }
    }

    /// Pickle 5: the keys whose data follows, in order, with their references. Each must be
    /// referenced (else its element size is unknown), none twice, and every referenced key must be there.
    private static func storageKeys(_ value: PickleValue, referenced: [String: TorchStorageReference],
                                    path: String) throws -> [TorchStorageReference] {
        guard case .list(let items) = value else {
            throw fail(path, "the storage key list is a \(value.kindName), not a list")
        }
        var listed: [TorchStorageReference] = []
        var seen: Set<String> = []
        for item in items {
            guard let key = item.text else { throw fail(path, "a storage key is a \(item.kindName), not a str") }
            guard seen.insert(key).inserted else { throw fail(path, "storage key '\(key)' is listed twice") }
            guard let reference = referenced[key] else {
                throw fail(path, "storage key '\(key)' is listed but no tensor refers to it, so its element type is unknown")
            }
            listed.append(reference)
        }
        if let missing = referenced.keys.sorted().first(where: { !seen.contains($0) }) {
            throw fail(path, "storage key '\(missing)' that a tensor refers to is missing from the storage key list")
        }
        return listed
    }
}

/// Walks the sections of a legacy file front to back, checking each length against what remains.
private struct LegacySectionReader {
    let bytes: [UInt8]
    let path: String
    private(set) var offset = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    private var remaining: Int { bytes.count - offset }

    private func fail(_ detail: String) -> TorchFileError {
        .badLegacyFile(path: path, detail: detail)
    }

    /// The pickle starting at the current offset; afterwards the offset is just past its STOP.
    mutating func pickle(_ section: String) throws -> PickleValue {
        guard remaining > 0 else { throw fail("the file ends at byte \(offset), before the \(section) pickle") }
        do {
            let (value, end) = try PickleReader.read(bytes, from: offset)
            offset = end
            return value
        } catch let error as PickleError {
            throw fail("the \(section) pickle at byte \(offset) is unreadable: \(error.description)")
        }
    }

    /// One storage: its int64 element count, then the elements, checked against the reference.
    mutating func storage(number: Int, of total: Int, reference: TorchStorageReference) throws -> [UInt8] {
        let name = "storage '\(reference.key)' (\(number) of \(total))"
        guard remaining >= 8 else {
            throw fail("the file ends at byte \(bytes.count), inside or before the element count of \(name) at byte \(offset)")
        }
        let count = Int64(littleEndian: bytes[offset..<(offset + 8)].withUnsafeBytes { $0.loadUnaligned(as: Int64.self) })
        offset += 8
        let size = reference.dtype.elementSize
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: Int64(size))
        guard count >= 0, !overflow, byteCount <= Int64(remaining) else {
            throw fail("\(name) claims \(count) \(reference.dtype) elements (\(size) bytes each), "
                + "but only \(remaining) bytes remain after byte \(offset)")
        }
        let expected = reference.elementCount ?? 0
        guard count == Int64(expected) else {
            throw fail("\(name) holds \(count) elements, but the tensors' reference to it says \(expected)")
        }
        defer { offset += Int(byteCount) }
        return Array(bytes[offset..<(offset + Int(byteCount))])
    }

    /// torch writes nothing after the last storage; anything there means a damaged or spliced file.
    func expectEnd() throws {
        guard remaining == 0 else {
            throw fail("\(remaining) unexpected bytes follow the last storage, from byte \(offset)")
        }
    }
}
