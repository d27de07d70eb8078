/// MATLAB level-5 MAT-files (`save -v6`/`-v7`, scipy's `savemat`): a 128-byte header, then
/// tagged data elements, each a `miMATRIX` or a zlib-compressed `miCOMPRESSED` holding one.
/// Numeric arrays of every class are read (dimensions and column-major data); cell, struct,
/// object, char and sparse variables are listed in `variableNames` but not decoded.
/// v7.3 files are HDF5 and are refused with a clear error.
public struct MATFile: Sendable {
    /// Every top-level variable, in file order, decoded or not.
    public private(set) var variableNames: [String] = []
    private var arrays: [String: MATArray] = [:]

    /// Reads the MAT-file at `path`.
    public init(contentsOf path: String) throws {
        try self.init(bytes: DatasetFileIO.read(path), path: path)
    }

    /// Parses the bytes of a MAT-file; `path` names it in errors.
    public init(bytes: [UInt8], path: String) throws {
        let littleEndian = try MATHeader.parse(bytes, path: path)
        var offset = MATHeader.size
        while offset < bytes.count {
            let reader = MATElementReader(bytes: bytes, littleEndian: littleEndian, path: path)
            let tag = try reader.tag(at: offset, end: bytes.count)
            if let array = try reader.variable(tag) {
                add(array)
            }
            offset = tag.next
        }
    }

    /// The decoded numeric array named `name`.
    public subscript(name: String) -> MATArray? { arrays[name] }

    /// Removes and returns the array named `name`, so its (possibly huge) buffer can be
    /// transformed in place without a copy.
    public mutating func removeArray(named name: String) -> MATArray? {
        arrays.removeValue(forKey: name)
    }

    private mutating func add(_ variable: MATElementReader.Variable) {
        variableNames.append(variable.name)
        if let array = variable.numeric { arrays[variable.name] = array }
    }
}

/// MATLAB array classes (the `mxCLASS` codes).
public enum MATClass: UInt8, Sendable {
    case cell = 1, structure, object, char, sparse
    case double, single, int8, uint8, int16, uint16, int32, uint32, int64, uint64

    var isNumeric: Bool { rawValue >= MATClass.double.rawValue }
}

/// How the numbers of an array are stored; MATLAB may store a `double` array as `uint8` when
/// every value fits, so this can differ from the array's class.
public enum MATStorage: UInt32, Sendable {
    case int8 = 1, uint8, int16, uint16, int32, uint32, single, double = 9, int64 = 12, uint64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .single: return 4
        case .double, .int64, .uint64: return 8
        }
    }
}

/// A numeric MATLAB array. `realBytes` holds the elements in column-major order, already in
/// host byte order, stored as `storage`.
public struct MATArray: Sendable, Equatable {
    public var name: String
    public var dimensions: [Int]
    public var arrayClass: MATClass
    public var storage: MATStorage
    public var isLogical: Bool
    public var realBytes: [UInt8]
    /// The imaginary part of a complex array, laid out like `realBytes`.
    public var imaginaryBytes: [UInt8]?

    /// Number of elements (product of the dimensions).
    public var count: Int { realBytes.count / storage.size }

    /// Every real element converted to `Double`, column-major.
    public func doubles() -> [Double] {
        realBytes.withUnsafeBytes { raw in
            switch storage {
            case .int8: return raw.bindMemory(to: Int8.self).map { Double($0) }
            case .uint8: return raw.bindMemory(to: UInt8.self).map { Double($0) }
            case .int16: return raw.bindMemory(to: Int16.self).map { Double($0) }
            case .uint16: return raw.bindMemory(to: UInt16.self).map { Double($0) }
            case .int32: return raw.bindMemory(to: Int32.self).map { Double($0) }
            case .uint32: return raw.bindMemory(to: UInt32.self).map { Double($0) }
            case .single: return raw.bindMemory(to: Float.self).map { Double($0) }
            case .double: return Array(raw.bindMemory(to: Double.self))
            case .int64: return raw.bindMemory(to: Int64.self).map { Double($0) }
            case .uint64: return raw.bindMemory(to: UInt64.self).map { Double($0) }
            }
        }
    }
}

/// The 128-byte MAT-file header: 116 bytes of text, 8 of subsystem offset, version 0x0100, and
/// the endian indicator "IM" (little-endian writer) or "MI" (big-endian writer).
private enum MATHeader {
    static let size = 128

    /// Whether the file is little-endian.
    static func parse(_ bytes: [UInt8], path: String) throws -> Bool {
        if bytes.starts(with: Array("MATLAB 7.3".utf8)) {
            throw DataError.badHeader(
                path: path, detail: "MATLAB v7.3 (HDF5) MAT-files are not supported; save with -v7")
        }
        guard bytes.count >= size else {
            throw DataError.truncated(path: path, detail: "\(bytes.count) bytes, a MAT-file header needs 128")
        }
        let littleEndian: Bool
        switch (bytes[126], bytes[127]) {
        case (UInt8(ascii: "I"), UInt8(ascii: "M")): littleEndian = true
        case (UInt8(ascii: "M"), UInt8(ascii: "I")): littleEndian = false
        default:
            throw DataError.badHeader(path: path, detail: "no MATLAB 5 endian indicator at byte 126")
        }
        let version = littleEndian ? UInt16(bytes[124]) | UInt16(bytes[125]) << 8
                                   : UInt16(bytes[124]) << 8 | UInt16(bytes[125])
        guard version == 0x0100 else {
            throw DataError.badHeader(path: path, detail: "MAT-file version \(version), expected 0x0100")
        }
        return littleEndian
    }
}

/// Reads tagged data elements out of one buffer (the file, or an inflated compressed element).
private struct MATElementReader {
    struct Tag {
        var type: UInt32
        var size: Int
        var dataStart: Int
        /// Offset of the next element (data padded to 8 bytes, except compressed data).
        var next: Int
        var dataEnd: Int { dataStart + size }
    }

    struct Variable {
        var name: String
        var numeric: MATArray?
    }

    static let miINT8: UInt32 = 1, miUINT32: UInt32 = 6, miINT32: UInt32 = 5
    static let miMATRIX: UInt32 = 14, miCOMPRESSED: UInt32 = 15, miUTF8: UInt32 = 16

    let bytes: [UInt8]
    let littleEndian: Bool
    let path: String

    func word(at offset: Int) -> UInt32 {
        let b0 = UInt32(bytes[offset]), b1 = UInt32(bytes[offset + 1])
        let b2 = UInt32(bytes[offset + 2]), b3 = UInt32(bytes[offset + 3])
        return littleEndian ? b0 | b1 << 8 | b2 << 16 | b3 << 24 : b0 << 24 | b1 << 16 | b2 << 8 | b3
    }

    /// The tag at `offset`; a nonzero upper half of the first word marks the small data
    /// element format (size in the upper 16 bits, up to 4 bytes of data inside the tag).
    func tag(at offset: Int, end: Int) throws -> Tag {
        guard end - offset >= 8 else {
            throw DataError.truncated(path: path, detail: "data element tag at byte \(offset) is cut short")
        }
        let first = word(at: offset)
        if first >> 16 != 0 {
            let size = Int(first >> 16)
            guard size <= 4 else {
                throw DataError.badHeader(path: path, detail: "small data element at byte \(offset) claims \(size) bytes")
            }
            return Tag(type: first & 0xFFFF, size: size, dataStart: offset + 4, next: offset + 8)
        }
        let size = Int(word(at: offset + 4))
        let dataStart = offset + 8
        guard size <= end - dataStart else {
            throw DataError.truncated(
                path: path, detail: "data element at byte \(offset) needs \(size) bytes, \(end - dataStart) left")
        }
        let padded = first == Self.miCOMPRESSED ? size : (size + 7) / 8 * 8
        return Tag(type: first, size: size, dataStart: dataStart, next: min(dataStart + padded, end))
    }

    /// Where a numeric array's parts sit in the buffer, found before any data is copied.
    struct NumericLayout {
        var array: MATArray  // without its data yet
        var real: Range<Int>
        var imaginary: Range<Int>?
    }

    /// The variable in a top-level element, or nil for elements that hold none.
    func variable(_ tag: Tag) throws -> Variable? {
        switch tag.type {
        case Self.miMATRIX:
            guard let (name, layout) = try matrix(tag) else { return nil }
            return Variable(name: name, numeric: layout.map { extract($0, from: bytes) })
        case Self.miCOMPRESSED:
            var inflated = try inflate(tag)
            guard let (name, layout) = try compressedMatrix(inflated, at: tag.dataStart - 8) else { return nil }
            guard let layout else { return Variable(name: name, numeric: nil) }
            // The inflated buffer is ours alone: cut it down to the real part instead of copying
            // it, which matters for the gigabyte-sized SVHN `extra` split.
            var array = layout.array
            array.imaginaryBytes = layout.imaginary.map { Array(inflated[$0]) }
            inflated.removeSubrange(layout.real.upperBound...)
            inflated.removeSubrange(..<layout.real.lowerBound)
            array.realBytes = inflated
            return Variable(name: name, numeric: hostOrdered(array))
        default:
            return nil
        }
    }

    private func compressedMatrix(_ inflated: [UInt8], at offset: Int) throws -> (String, NumericLayout?)? {
        let inner = MATElementReader(bytes: inflated, littleEndian: littleEndian, path: path)
        let innerTag = try inner.tag(at: 0, end: inflated.count)
        guard innerTag.type == Self.miMATRIX else {
            throw DataError.badHeader(
                path: path, detail: "compressed element at byte \(offset) holds type \(innerTag.type), expected miMATRIX")
        }
        return try inner.matrix(innerTag)
    }

    /// Inflates a compressed element; its inner tag is read first so the output is sized once.
    private func inflate(_ tag: Tag) throws -> [UInt8] {
        let compressed = bytes[tag.dataStart..<tag.dataEnd]
        let head = try Gzip.inflateZlib(compressed, path: path, limit: 8)
        guard head.count == 8 else {
            throw DataError.truncated(path: path, detail: "compressed element at byte \(tag.dataStart - 8) is empty")
        }
        let innerSize = MATElementReader(bytes: head, littleEndian: littleEndian, path: path).word(at: 4)
        // The inner element is all a compressed element may hold: inflating stops there.
        return try Gzip.inflateZlib(compressed, path: path, sizeHint: 8 + Int(innerSize), limit: 8 + Int(innerSize))
    }

    private func extract(_ layout: NumericLayout, from buffer: [UInt8]) -> MATArray {
        var array = layout.array
        array.realBytes = Array(buffer[layout.real])
        array.imaginaryBytes = layout.imaginary.map { Array(buffer[$0]) }
        return hostOrdered(array)
    }

    private func hostOrdered(_ array: MATArray) -> MATArray {
        let hostLittleEndian = 1.littleEndian == 1
        guard littleEndian != hostLittleEndian, array.storage.size > 1 else { return array }
        var swapped = array
        swapEachElement(&swapped.realBytes, size: array.storage.size)
        if swapped.imaginaryBytes != nil { swapEachElement(&swapped.imaginaryBytes!, size: array.storage.size) }
        return swapped
    }

    /// An `miMATRIX` (array flags, dimensions, name, then real and imaginary parts): its name,
    /// and the layout of its data when it is numeric. Nil for an empty element.
    func matrix(_ tag: Tag) throws -> (String, NumericLayout?)? {
        guard tag.size > 0 else { return nil }  // MATLAB writes empty cells this way
        let end = tag.dataEnd
        let flagsTag = try self.tag(at: tag.dataStart, end: end)
        guard flagsTag.type == Self.miUINT32, flagsTag.size == 8 else {
            throw badArray(tag, "array flags are not 8 bytes of miUINT32")
        }
        let flags = word(at: flagsTag.dataStart)
        let dimsTag = try self.tag(at: flagsTag.next, end: end)
        guard dimsTag.type == Self.miINT32, dimsTag.size % 4 == 0, dimsTag.size >= 8 else {
            throw badArray(tag, "dimensions are not at least two miINT32 values")
        }
        let dimensions = stride(from: dimsTag.dataStart, to: dimsTag.dataEnd, by: 4).map { Int(Int32(bitPattern: word(at: $0))) }
        let nameTag = try self.tag(at: dimsTag.next, end: end)
        guard nameTag.type == Self.miINT8 || nameTag.type == Self.miUTF8 else {
            throw badArray(tag, "array name is not miINT8 text")
        }
        let name = String(decoding: bytes[nameTag.dataStart..<nameTag.dataEnd], as: UTF8.self)
        guard let arrayClass = MATClass(rawValue: UInt8(flags & 0xFF)), arrayClass.isNumeric else {
            return (name, nil)
        }
        let elementCount = try checkedCount(dimensions, tag)
        let real = try numericData(at: nameTag.next, end: end, count: elementCount, tag)
        var layout = NumericLayout(
            array: MATArray(name: name, dimensions: dimensions, arrayClass: arrayClass, storage: real.storage,
                            isLogical: flags & 0x200 != 0, realBytes: [], imaginaryBytes: nil),
            real: real.range, imaginary: nil)
        if flags & 0x800 != 0 {
            let imaginary = try numericData(at: real.next, end: end, count: elementCount, tag)
            guard imaginary.storage == real.storage else {
                throw badArray(tag, "real and imaginary parts are stored as different types")
            }
            layout.imaginary = imaginary.range
        }
        return (name, layout)
    }

    private func checkedCount(_ dimensions: [Int], _ tag: Tag) throws -> Int {
        var count = 1
        for size in dimensions {
            let product = count.multipliedReportingOverflow(by: size)
            guard size >= 0, !product.overflow else { throw badArray(tag, "dimensions \(dimensions) are invalid") }
            count = product.partialValue
        }
        return count
    }

    private func numericData(at offset: Int, end: Int, count: Int, _ matrixTag: Tag) throws
        -> (storage: MATStorage, range: Range<Int>, next: Int)
    {
        let dataTag = try tag(at: offset, end: end)
        guard let storage = MATStorage(rawValue: dataTag.type) else {
            throw badArray(matrixTag, "numeric data has element type \(dataTag.type)")
        }
        let needed = count.multipliedReportingOverflow(by: storage.size)
        guard !needed.overflow, dataTag.size == needed.partialValue else {
            throw badArray(matrixTag, "numeric data holds \(dataTag.size) bytes, dimensions need \(count) x \(storage.size)")
        }
        return (storage, dataTag.dataStart..<dataTag.dataEnd, dataTag.next)
    }

    private func swapEachElement(_ data: inout [UInt8], size: Int) {
        data.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count, by: size) {
                var low = start, high = start + size - 1
                while low < high {
                    buffer.swapAt(low, high)
                    low += 1
                    high -= 1
                }
            }
        }
    }

    private func badArray(_ tag: Tag, _ detail: String) -> DataError {
        DataError.badHeader(path: path, detail: "array element at byte \(tag.dataStart - 8): \(detail)")
    }
}
