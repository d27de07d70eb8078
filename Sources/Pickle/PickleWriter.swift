/// Writes a `PickleValue` as a binary pickle Python can load. Nothing is memoized: every
/// value is written where it occurs, which is what a tree of plain data needs.
public enum PickleWriter {
    /// How `.bytes` values are written, which also fixes the protocol number.
    public enum BytesStyle: Sendable {
        /// Protocol 2, bytes as Python 2 `str` (BINSTRING), the way CIFAR's files were written.
        /// Python 3 reads such bytes back with `encoding='bytes'` or `'latin1'`.
        case python2String
        /// Protocol 3, bytes as Python 3 `bytes` (BINBYTES), loadable by a plain `pickle.load`.
        case python3Bytes
    }

    public static func write(_ value: PickleValue, bytesStyle: BytesStyle = .python2String) -> [UInt8] {
        var emitter = PickleEmitter(style: bytesStyle)
        emitter.out.append(contentsOf: [0x80, bytesStyle == .python2String ? 2 : 3])
        emitter.emit(value)
        emitter.out.append(0x2E)
        return emitter.out
    }
}

private struct PickleEmitter {
    let style: PickleWriter.BytesStyle
    var out: [UInt8] = []
    /// Python batches APPENDS / SETITEMS by this many; unpicklers do not care, it just bounds the stack.
    static let batch = 1000

    init(style: PickleWriter.BytesStyle) {
        self.style = style
    }

    mutating func emit(_ value: PickleValue) {
        switch value {
        case .none: out.append(0x4E)
        case .bool(let b): out.append(b ? 0x88 : 0x89)
        case .int(let v): emitInt(v)
        case .bigInt(let bytes): emitLong(bytes)
        case .float(let d):
            out.append(0x47)
            appendUInt(d.bitPattern.byteSwapped, width: 8)
        case .string(let s): emitString(s)
        case .bytes(let b): emitBytes(b)
        case .list(let items):
            out.append(0x5D)
            emitBatched(items, op: 0x65)
        case .tuple(let items): emitTuple(items)
        case .dict(let pairs):
            out.append(0x7D)
            emitPairs(pairs)
        case .set(let items): emitSet(items, name: "set")
        case .frozenSet(let items): emitSet(items, name: "frozenset")
        case .global(let module, let name): emitGlobal(module, name)
        case .persistentID(let pid):
            emit(pid)
            out.append(0x51)
        case .object(let object): emitObject(object)
        }
    }

    mutating func appendUInt(_ v: UInt64, width: Int) {
        for i in 0..<width { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    mutating func emitInt(_ v: Int64) {
        if v >= 0 && v <= 0xFF {
            out.append(0x4B)
            out.append(UInt8(v))
        } else if v >= 0 && v <= 0xFFFF {
            out.append(0x4D)
            appendUInt(UInt64(v), width: 2)
        } else if v >= Int64(Int32.min) && v <= Int64(Int32.max) {
            out.append(0x4A)
            appendUInt(UInt64(bitPattern: v), width: 4)
        } else {
            // LONG1 with the shortest two's complement that keeps the sign.
            var bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (8 * UInt64($0))) }
            while bytes.count > 1 {
                let last = bytes[bytes.count - 1], prev = bytes[bytes.count - 2]
                guard (last == 0 && prev & 0x80 == 0) || (last == 0xFF && prev & 0x80 != 0) else { break }
                bytes.removeLast()
            }
            emitLong(bytes)
        }
    }

    mutating func emitLong(_ bytes: [UInt8]) {
        if bytes.count < 256 {
            out.append(0x8A)
            out.append(UInt8(bytes.count))
        } else {
            out.append(0x8B)
            appendUInt(UInt64(bytes.count), width: 4)
        }
        out.append(contentsOf: bytes)
    }

    mutating func emitString(_ s: String) {
        let utf8 = Array(s.utf8)
        out.append(0x58)
        appendUInt(UInt64(utf8.count), width: 4)
        out.append(contentsOf: utf8)
    }

    mutating func emitBytes(_ b: [UInt8]) {
        let short = b.count < 256
        switch style {
        case .python2String: out.append(short ? 0x55 : 0x54)
        case .python3Bytes: out.append(short ? 0x43 : 0x42)
        }
        appendUInt(UInt64(b.count), width: short ? 1 : 4)
        out.append(contentsOf: b)
    }

    mutating func emitTuple(_ items: [PickleValue]) {
        switch items.count {
        case 0: out.append(0x29)
        case 1...3:
            for item in items { emit(item) }
            out.append(0x85 + UInt8(items.count - 1))
        default:
            out.append(0x28)
            for item in items { emit(item) }
            out.append(0x74)
        }
    }

    mutating func emitBatched(_ items: [PickleValue], op: UInt8) {
        var start = 0
        while start < items.count {
            let end = min(start + Self.batch, items.count)
            out.append(0x28)
            for item in items[start..<end] { emit(item) }
            out.append(op)
            start = end
        }
    }

    mutating func emitPairs(_ pairs: [PickleValue.Pair]) {
        var start = 0
        while start < pairs.count {
            let end = min(start + Self.batch, pairs.count)
            out.append(0x28)
            for pair in pairs[start..<end] {
                emit(pair.key)
                emit(pair.value)
            }
            out.append(0x75)
            start = end
        }
    }

    mutating func emitGlobal(_ module: String, _ name: String) {
        out.append(0x63)
        out.append(contentsOf: Array(module.utf8))
        out.append(0x0A)
        out.append(contentsOf: Array(name.utf8))
        out.append(0x0A)
    }

    /// Protocols 2 and 3 have no set opcodes: write `set([items])` as Python does.
    mutating func emitSet(_ items: [PickleValue], name: String) {
        emitGlobal(style == .python2String ? "__builtin__" : "builtins", name)
        emitTuple([.list(items)])
        out.append(0x52)
    }

    mutating func emitObject(_ object: PickleObject) {
        switch object.constructor {
        case .reduce(let callable, let args):
            emit(callable)
            emit(args)
            out.append(0x52)
        case .newObject(let cls, let args, let kwargs):
            emit(cls)
            emit(args)
            if kwargs == .none {
                out.append(0x81)
            } else {
                // NEWOBJ_EX belongs to protocol 4, but Python's unpickler accepts it under any header.
                emit(kwargs)
                out.append(0x92)
            }
        }
        emitBatched(object.listItems, op: 0x65)
        emitPairs(object.dictItems)
        if let state = object.state {
            emit(state)
            out.append(0x62)
        }
    }
}
