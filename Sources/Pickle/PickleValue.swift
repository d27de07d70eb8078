/// A Python object graph as a pickle describes it, without running any of it.
/// Classes and functions stay names (`global`), and calls stay descriptions (`object`),
/// so reading an untrusted file can never execute code.
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer too large for Int64: little-endian two's complement bytes, as LONG1/LONG4 store them.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    /// Python 3 `bytes`, `bytearray`, and Python 2 `str` (STRING / BINSTRING / SHORT_BINSTRING).
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    case dict([Pair])
    case set([PickleValue])
    case frozenSet([PickleValue])
    case global(module: String, name: String)
    /// What `persistent_load` would receive (PERSID / BINPERSID).
    case persistentID(PickleValue)
    case object(PickleObject)

    public struct Pair: Sendable, Equatable {
        public var key: PickleValue
        public var value: PickleValue
        public init(_ key: PickleValue, _ value: PickleValue) {
            self.key = key
            self.value = value
        }
    }
}

/// An object the pickle would construct by calling something (REDUCE, NEWOBJ, NEWOBJ_EX),
/// plus whatever was applied to it afterwards: BUILD state, APPENDS items, SETITEMS pairs.
public struct PickleObject: Sendable, Equatable {
    public enum Constructor: Sendable, Equatable {
        /// `callable(*args)`.
        case reduce(callable: PickleValue, args: PickleValue)
        /// `cls.__new__(cls, *args, **kwargs)`; kwargs is `.none` for NEWOBJ.
        case newObject(cls: PickleValue, args: PickleValue, kwargs: PickleValue)
    }

    public var constructor: Constructor
    /// The argument of the last BUILD, if any.
    public var state: PickleValue?
    public var listItems: [PickleValue]
    public var dictItems: [PickleValue.Pair]

    public init(constructor: Constructor, state: PickleValue? = nil, listItems: [PickleValue] = [],
                dictItems: [PickleValue.Pair] = []) {
        self.constructor = constructor
        self.state = state
        self.listItems = listItems
        self.dictItems = dictItems
    }

    /// The class or function that made this object, when it is a plain global.
    public var callableName: (module: String, name: String)? {
        let target: PickleValue
        switch constructor {
        case .reduce(let callable, _): target = callable
        case .newObject(let cls, _, _): target = cls
        }
        if case .global(let module, let name) = target { return (module, name) }
        return nil
    }

    /// The positional arguments of the constructor call, when they are a tuple.
    public var arguments: [PickleValue]? {
        let args: PickleValue
        switch constructor {
        case .reduce(_, let a): args = a
        case .newObject(_, let a, _): args = a
        }
        if case .tuple(let items) = args { return items }
        return nil
    }

    /// Whether the constructor is `module.name`.
    public func isCall(to module: String, _ name: String) -> Bool {
        guard let c = callableName else { return false }
        return c.module == module && c.name == name
    }
}

extension PickleValue {
    /// Builds `callable(*args)`.
    public static func call(_ module: String, _ name: String, _ args: [PickleValue],
                            state: PickleValue? = nil) -> PickleValue {
        .object(PickleObject(constructor: .reduce(callable: .global(module: module, name: name), args: .tuple(args)),
                             state: state))
    }

    /// A readable one-word name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .set: return "set"
        case .frozenSet: return "frozenset"
        case .global(let m, let n): return "global \(m).\(n)"
        case .persistentID: return "persistent id"
        case .object(let o):
            if let c = o.callableName { return "\(c.module).\(c.name) object" }
            return "object"
        }
    }

    /// Text of a `str`, or of bytes / a Python 2 `str` (see `byteContent`) decoded as UTF-8,
    /// falling back to Latin-1.
    public var text: String? {
        if case .string(let s) = self { return s }
        guard let b = byteContent() else { return nil }
        if let s = String(validating: b, as: UTF8.self) { return s }
        return String(decoding: b.map { UInt16($0) }, as: UTF16.self)
    }

    /// The value as an Int when it is an int or bool that fits.
    public var intValue: Int? {
        switch self {
        case .int(let v): return Int(exactly: v)
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The key-value pairs of a dict, or of a dict subclass (e.g. `collections.OrderedDict()` + SETITEMS).
    public var dictEntries: [Pair]? {
        switch self {
        case .dict(let pairs): return pairs
        case .object(let o) where !o.dictItems.isEmpty || o.isCall(to: "collections", "OrderedDict"):
            return o.dictItems
        default: return nil
        }
    }

    /// The value stored under a text key. Matches `str` keys and Python 2 `str` (bytes) keys alike,
    /// since CIFAR's files were written by Python 2.
    public subscript(key: String) -> PickleValue? {
        guard let entries = dictEntries else { return nil }
        return entries.first { $0.key.text == key }?.value
    }

    /// The items of a list or tuple.
    public var sequenceItems: [PickleValue]? {
        switch self {
        case .list(let items), .tuple(let items): return items
        case .object(let o) where !o.listItems.isEmpty: return o.listItems
        default: return nil
        }
    }

    /// Raw bytes held by `bytes`, a Latin-1 `str` (what `encoding='latin1'` turns Python 2 data into),
    /// or the `_codecs.encode(str, 'latin1')` call Python 3 writes for bytes at protocol 2.
    public func byteContent() -> [UInt8]? {
        switch self {
        case .bytes(let b): return b
        case .string(let s): return Self.latin1Bytes(s)
        case .object(let o):
            if o.isCall(to: "_codecs", "encode"), let args = o.arguments, args.count == 2,
               case .string(let s) = args[0], let enc = args[1].text?.lowercased(),
               enc == "latin1" || enc == "latin-1" || enc == "iso-8859-1" {
                return Self.latin1Bytes(s)
            }
            if (o.isCall(to: "__builtin__", "bytes") || o.isCall(to: "builtins", "bytes")
                || o.isCall(to: "builtins", "bytearray") || o.isCall(to: "__builtin__", "bytearray")),
               let args = o.arguments {
                if args.isEmpty { return [] }
                if args.count == 2 { return Self.latin1Argument(args) }
            }
            return nil
        default: return nil
        }
    }

    /// `bytearray(str, 'latin-1')`, the protocol-2 form Python 3 uses for bytearray.
    private static func latin1Argument(_ args: [PickleValue]) -> [UInt8]? {
        guard case .string(let s) = args[0], let enc = args[1].text?.lowercased(),
              enc == "latin1" || enc == "latin-1" || enc == "iso-8859-1" else { return nil }
        return latin1Bytes(s)
    }

    /// Latin-1 encoding of `s`, straight from its UTF-8 (a pool's pixels can be hundreds of MB):
    /// code points below 0x80 are one byte, 0x80...0xFF are the two-byte forms led by 0xC2 / 0xC3.
    private static func latin1Bytes(_ s: String) -> [UInt8]? {
        var text = s
        return text.withUTF8 { utf8 -> [UInt8]? in
            var out = [UInt8](repeating: 0, count: utf8.count)
            var n = 0
            var i = 0
            let ok = out.withUnsafeMutableBufferPointer { dst -> Bool in
                while i < utf8.count {
                    let b = utf8[i]
                    if b < 0x80 {
                        dst[n] = b
                        i += 1
                    } else if (b == 0xC2 || b == 0xC3), i + 1 < utf8.count {
                        dst[n] = ((b & 0x03) << 6) | (utf8[i + 1] & 0x3F)
                        i += 2
                    } else {
                        return false
                    }
                    n += 1
                }
                return true
            }
            guard ok else { return nil }
            out.removeLast(out.count - n)
            return out
        }
    }
}
