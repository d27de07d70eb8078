/// Reads a pickle (protocols 0 to 5) into a `PickleValue` graph. Nothing is imported or
/// called: globals stay names and REDUCE / NEWOBJ / BUILD stay descriptions, so a hostile
/// file can at worst be rejected. Large byte strings are copied once, as a block.
public enum PickleReader {
    /// Reads the pickle that fills `bytes` (trailing bytes after STOP are ignored).
    public static func read(_ bytes: [UInt8]) throws -> PickleValue {
        try read(bytes, from: 0).value
    }

    /// Reads one pickle starting at `start`; returns it and the offset just past its STOP,
    /// so that several pickles written back to back can be read in turn.
    public static func read(_ bytes: [UInt8], from start: Int) throws -> (value: PickleValue, end: Int) {
        // An offset outside the data would index out of bounds before the first opcode is checked.
        guard start >= 0, start <= bytes.count else {
            throw PickleError(kind: .malformed, offset: start,
                              reason: "start offset \(start) is outside the \(bytes.count) bytes of data")
        }
        var machine = PickleMachine(data: bytes, position: start)
        let item = try machine.run()
        var freezer = PickleFreezer(byteCount: bytes.count)
        return (try freezer.freeze(item, depth: 0), machine.position)
    }
}

/// Containers are reference objects while the machine runs, because a pickle may memoize a
/// list or dict and fill it afterwards (APPENDS, SETITEMS, BUILD act on the shared object).
private final class PickleNode {
    enum Kind {
        case list, tuple, dict, set, frozenSet
        case persistentID
        case reduce(callable: PickleItem, args: PickleItem)
        case newObject(cls: PickleItem, args: PickleItem, kwargs: PickleItem?)
    }

    private(set) var kind: Kind
    var items: [PickleItem]
    var pairs: [(PickleItem, PickleItem)] = []
    var state: PickleItem?

    init(_ kind: Kind, items: [PickleItem] = []) {
        self.kind = kind
        self.items = items
    }

    /// Releases the nodes below this one without recursion: a hostile pickle can nest lists a
    /// million deep (`]` then `a`, two bytes a level), and releasing such a chain node by node
    /// through nested deinits would overflow the stack. Children that nobody else holds are
    /// emptied into a work list first, so each is released with nothing below it.
    deinit {
        var pending = takeChildren()
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node) { pending.append(contentsOf: node.takeChildren()) }
        }
    }

    /// Everything this node holds: items, dict pairs, BUILD state, and the call's parts.
    var children: [PickleItem] {
        var all = items
        for (key, value) in pairs { all += [key, value] }
        if let state { all.append(state) }
        switch kind {
        case .reduce(let callable, let args): all += [callable, args]
        case .newObject(let cls, let args, let kwargs): all += [cls, args] + (kwargs.map { [$0] } ?? [])
        default: break
        }
        return all
    }

    /// Moves out every child node, leaving this node without references to other nodes.
    private func takeChildren() -> [PickleNode] {
        let nodes = children.compactMap { item -> PickleNode? in
            if case .node(let n) = item { return n }
            return nil
        }
        items = []
        pairs = []
        state = nil
        kind = .list
        return nodes
    }

    var isObject: Bool {
        switch kind {
        case .reduce, .newObject: return true
        default: return false
        }
    }
}

private enum PickleItem {
    case leaf(PickleValue)
    case node(PickleNode)
}

private enum PickleOp {
    static let mark: UInt8 = 0x28, stop: UInt8 = 0x2E, pop: UInt8 = 0x30, popMark: UInt8 = 0x31, dup: UInt8 = 0x32
    static let float: UInt8 = 0x46, int: UInt8 = 0x49, binInt: UInt8 = 0x4A, binInt1: UInt8 = 0x4B
    static let long: UInt8 = 0x4C, binInt2: UInt8 = 0x4D, none: UInt8 = 0x4E, persID: UInt8 = 0x50
    static let binPersID: UInt8 = 0x51, reduce: UInt8 = 0x52, string: UInt8 = 0x53, binString: UInt8 = 0x54
    static let shortBinString: UInt8 = 0x55, unicode: UInt8 = 0x56, binUnicode: UInt8 = 0x58
    static let append: UInt8 = 0x61, build: UInt8 = 0x62, global: UInt8 = 0x63, dict: UInt8 = 0x64
    static let emptyDict: UInt8 = 0x7D, appends: UInt8 = 0x65, get: UInt8 = 0x67, binGet: UInt8 = 0x68
    static let inst: UInt8 = 0x69, longBinGet: UInt8 = 0x6A, list: UInt8 = 0x6C, emptyList: UInt8 = 0x5D
    static let obj: UInt8 = 0x6F, put: UInt8 = 0x70, binPut: UInt8 = 0x71, longBinPut: UInt8 = 0x72
    static let setItem: UInt8 = 0x73, tuple: UInt8 = 0x74, emptyTuple: UInt8 = 0x29, setItems: UInt8 = 0x75
    static let binFloat: UInt8 = 0x47
    static let proto: UInt8 = 0x80, newObj: UInt8 = 0x81, tuple1: UInt8 = 0x85, tuple2: UInt8 = 0x86
    static let tuple3: UInt8 = 0x87, newTrue: UInt8 = 0x88, newFalse: UInt8 = 0x89, long1: UInt8 = 0x8A
    static let long4: UInt8 = 0x8B, binBytes: UInt8 = 0x42, shortBinBytes: UInt8 = 0x43
    static let shortBinUnicode: UInt8 = 0x8C, binUnicode8: UInt8 = 0x8D, binBytes8: UInt8 = 0x8E
    static let emptySet: UInt8 = 0x8F, addItems: UInt8 = 0x90, frozenSet: UInt8 = 0x91, newObjEx: UInt8 = 0x92
    static let stackGlobal: UInt8 = 0x93, memoize: UInt8 = 0x94, frame: UInt8 = 0x95
    static let byteArray8: UInt8 = 0x96, nextBuffer: UInt8 = 0x97, readonlyBuffer: UInt8 = 0x98
}

private struct PickleMachine {
    let data: [UInt8]
    var position: Int
    var stack: [PickleItem] = []
    var marks: [Int] = []
    var memo: [Int: PickleItem] = [:]
    /// Offset and code of the opcode being executed, for error messages.
    var opStart = 0
    var op: UInt8 = 0

    init(data: [UInt8], position: Int) {
        self.data = data
        self.position = position
    }

    mutating func run() throws -> PickleItem {
        while true {
            opStart = position
            op = try readByte()
            if op == PickleOp.stop {
                guard let top = stack.popLast(), stack.isEmpty else {
                    throw fail(stack.isEmpty ? "STOP with an empty stack" : "STOP leaves \(stack.count + 1) items")
                }
                return top
            }
            try execute(op)
        }
    }

    // MARK: errors

    func fail(_ reason: String) -> PickleError {
        PickleError(kind: .malformed, opcode: op, offset: opStart, reason: reason)
    }

    func truncated(_ needed: Int) -> PickleError {
        PickleError(kind: .truncated, opcode: position == opStart ? nil : op, offset: opStart,
                    reason: "data ends early: \(needed) more bytes needed at byte \(position), only \(data.count - position) left")
    }

    // MARK: raw reads

    mutating func readByte() throws -> UInt8 {
        guard position < data.count else { throw truncated(1) }
        defer { position += 1 }
        return data[position]
    }

    mutating func readBytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= data.count - position else { throw truncated(count) }
        defer { position += count }
        return Array(data[position..<(position + count)])
    }

    /// Little-endian unsigned integer of `width` bytes.
    mutating func readUInt(_ width: Int) throws -> UInt64 {
        guard width <= data.count - position else { throw truncated(width) }
        var v: UInt64 = 0
        for i in 0..<width { v |= UInt64(data[position + i]) << (8 * UInt64(i)) }
        position += width
        return v
    }

    mutating func readLength(_ width: Int) throws -> Int {
        let v = try readUInt(width)
        guard v <= UInt64(data.count - position) else {
            throw truncated(v > UInt64(Int.max) ? Int.max : Int(v))
        }
        return Int(v)
    }

    /// A protocol-0 text argument, up to (not including) the next newline.
    mutating func readLine() throws -> [UInt8] {
        var end = position
        while end < data.count, data[end] != 0x0A { end += 1 }
        guard end < data.count else { throw truncated(end - position + 1) }
        defer { position = end + 1 }
        return Array(data[position..<end])
    }

    mutating func readLineText() throws -> String {
        String(decoding: try readLine(), as: UTF8.self)
    }

    mutating func readUTF8(_ count: Int) throws -> String {
        guard count <= data.count - position else { throw truncated(count) }
        let slice = data[position..<(position + count)]
        position += count
        guard let s = String(validating: slice, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return s
    }

    // MARK: stack

    mutating func push(_ v: PickleValue) { stack.append(.leaf(v)) }

    mutating func pop() throws -> PickleItem {
        guard let top = stack.popLast() else { throw fail("stack underflow") }
        if let m = marks.last, stack.count < m { throw fail("pop crosses a MARK") }
        return top
    }

    mutating func top() throws -> PickleItem {
        guard let t = stack.last else { throw fail("stack underflow") }
        return t
    }

    /// Pops everything pushed since the last MARK, and the mark itself.
    mutating func popMark() throws -> [PickleItem] {
        guard let m = marks.popLast() else { throw fail("no MARK on the stack") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    mutating func memoize(_ index: Int) throws {
        memo[index] = try top()
    }

    mutating func recall(_ index: Int) throws {
        guard let item = memo[index] else { throw fail("memo entry \(index) was never stored") }
        stack.append(item)
    }

    // MARK: opcodes

    mutating func execute(_ op: UInt8) throws {
        switch op {
        case PickleOp.proto:
            let version = try readByte()
            guard version <= 5 else { throw fail("unsupported protocol \(version)") }
        case PickleOp.frame: _ = try readUInt(8)
        case PickleOp.mark: marks.append(stack.count)
        case PickleOp.pop:
            if let m = marks.last, m == stack.count { _ = marks.popLast() } else { _ = try pop() }
        case PickleOp.popMark: _ = try popMark()
        case PickleOp.dup: stack.append(try top())
        case PickleOp.none: push(.none)
        case PickleOp.newTrue: push(.bool(true))
        case PickleOp.newFalse: push(.bool(false))
        case PickleOp.binInt: push(.int(Int64(Int32(truncatingIfNeeded: try readUInt(4)))))
        case PickleOp.binInt1: push(.int(Int64(try readUInt(1))))
        case PickleOp.binInt2: push(.int(Int64(try readUInt(2))))
        case PickleOp.int: push(try parseTextInt(try readLineText(), allowBool: true))
        case PickleOp.long:
            var text = try readLineText()
            if text.hasSuffix("L") { text.removeLast() }
            push(try parseTextInt(text, allowBool: false))
        case PickleOp.long1: push(Self.longValue(try readBytes(try readLength(1))))
        case PickleOp.long4: push(Self.longValue(try readBytes(try readLength(4))))
        case PickleOp.float:
            let text = try readLineText()
            guard let v = Double(text) else { throw fail("bad FLOAT text '\(text)'") }
            push(.float(v))
        case PickleOp.binFloat: push(.float(Double(bitPattern: try readUInt(8).byteSwapped)))
        case PickleOp.string: push(.bytes(try parseQuotedString(try readLine())))
        case PickleOp.binString: push(.bytes(try readBytes(try readLength(4))))
        case PickleOp.shortBinString: push(.bytes(try readBytes(try readLength(1))))
        case PickleOp.binBytes: push(.bytes(try readBytes(try readLength(4))))
        case PickleOp.shortBinBytes: push(.bytes(try readBytes(try readLength(1))))
        case PickleOp.binBytes8, PickleOp.byteArray8: push(.bytes(try readBytes(try readLength(8))))
        case PickleOp.unicode: push(.string(Self.rawUnicodeEscape(try readLine())))
        case PickleOp.binUnicode: push(.string(try readUTF8(try readLength(4))))
        case PickleOp.shortBinUnicode: push(.string(try readUTF8(try readLength(1))))
        case PickleOp.binUnicode8: push(.string(try readUTF8(try readLength(8))))
        case PickleOp.emptyList: stack.append(.node(PickleNode(.list)))
        case PickleOp.emptyTuple: stack.append(.node(PickleNode(.tuple)))
        case PickleOp.emptyDict: stack.append(.node(PickleNode(.dict)))
        case PickleOp.emptySet: stack.append(.node(PickleNode(.set)))
        case PickleOp.list: stack.append(.node(PickleNode(.list, items: try popMark())))
        case PickleOp.tuple: stack.append(.node(PickleNode(.tuple, items: try popMark())))
        case PickleOp.frozenSet: stack.append(.node(PickleNode(.frozenSet, items: try popMark())))
        case PickleOp.tuple1, PickleOp.tuple2, PickleOp.tuple3:
            let n = Int(op - PickleOp.tuple1) + 1
            guard stack.count - (marks.last ?? 0) >= n else { throw fail("stack underflow") }
            let items = Array(stack.suffix(n))
            stack.removeLast(n)
            stack.append(.node(PickleNode(.tuple, items: items)))
        case PickleOp.dict:
            let node = PickleNode(.dict)
            node.pairs = try pairs(from: try popMark())
            stack.append(.node(node))
        case PickleOp.append:
            let item = try pop()
            try listTarget().items.append(item)
        case PickleOp.appends:
            let items = try popMark()
            try listTarget().items.append(contentsOf: items)
        case PickleOp.setItem:
            let value = try pop()
            let key = try pop()
            try dictTarget().pairs.append((key, value))
        case PickleOp.setItems:
            let kv = try pairs(from: try popMark())
            try dictTarget().pairs.append(contentsOf: kv)
        case PickleOp.addItems:
            let items = try popMark()
            guard case .node(let node) = try top(), case .set = node.kind else { throw fail("ADDITEMS needs a set") }
            node.items.append(contentsOf: items)
        case PickleOp.global:
            let module = try readLineText()
            let name = try readLineText()
            push(.global(module: module, name: name))
        case PickleOp.stackGlobal:
            let name = try pop()
            let module = try pop()
            guard case .leaf(.string(let n)) = name, case .leaf(.string(let m)) = module else {
                throw fail("STACK_GLOBAL needs two strings")
            }
            push(.global(module: m, name: n))
        case PickleOp.reduce:
            let args = try pop()
            let callable = try pop()
            stack.append(.node(PickleNode(.reduce(callable: callable, args: args))))
        case PickleOp.newObj:
            let args = try pop()
            let cls = try pop()
            stack.append(.node(PickleNode(.newObject(cls: cls, args: args, kwargs: nil))))
        case PickleOp.newObjEx:
            let kwargs = try pop()
            let args = try pop()
            let cls = try pop()
            stack.append(.node(PickleNode(.newObject(cls: cls, args: args, kwargs: kwargs))))
        case PickleOp.inst:
            let module = try readLineText()
            let name = try readLineText()
            let args = PickleNode(.tuple, items: try popMark())
            stack.append(.node(PickleNode(.reduce(callable: .leaf(.global(module: module, name: name)), args: .node(args)))))
        case PickleOp.obj:
            var items = try popMark()
            guard !items.isEmpty else { throw fail("OBJ without a class") }
            let cls = items.removeFirst()
            stack.append(.node(PickleNode(.reduce(callable: cls, args: .node(PickleNode(.tuple, items: items))))))
        case PickleOp.build:
            let state = try pop()
            guard case .node(let node) = try top(), node.isObject else {
                throw fail("BUILD on something that is not a constructed object")
            }
            node.state = state
        case PickleOp.persID:
            stack.append(.node(PickleNode(.persistentID, items: [.leaf(.string(try readLineText()))])))
        case PickleOp.binPersID:
            let pid = try pop()
            stack.append(.node(PickleNode(.persistentID, items: [pid])))
        case PickleOp.put:
            let text = try readLineText()
            guard let i = Int(text) else { throw fail("bad PUT index '\(text)'") }
            try memoize(i)
        case PickleOp.binPut: try memoize(Int(try readUInt(1)))
        case PickleOp.longBinPut: try memoize(Int(try readUInt(4)))
        case PickleOp.memoize: try memoize(memo.count)
        case PickleOp.get:
            let text = try readLineText()
            guard let i = Int(text) else { throw fail("bad GET index '\(text)'") }
            try recall(i)
        case PickleOp.binGet: try recall(Int(try readUInt(1)))
        case PickleOp.longBinGet: try recall(Int(try readUInt(4)))
        case PickleOp.readonlyBuffer: _ = try top()
        case PickleOp.nextBuffer: throw fail("out-of-band buffers (NEXT_BUFFER) are not supported")
        default: throw fail("unknown opcode")
        }
    }

    mutating func listTarget() throws -> PickleNode {
        guard case .node(let node) = try top() else { throw fail("APPEND target is not a list") }
        switch node.kind {
        case .list, .reduce, .newObject: return node
        default: throw fail("APPEND target is not a list")
        }
    }

    mutating func dictTarget() throws -> PickleNode {
        guard case .node(let node) = try top() else { throw fail("SETITEM target is not a dict") }
        switch node.kind {
        case .dict, .reduce, .newObject: return node
        default: throw fail("SETITEM target is not a dict")
        }
    }

    func pairs(from items: [PickleItem]) throws -> [(PickleItem, PickleItem)] {
        guard items.count % 2 == 0 else { throw fail("odd number of items for a dict") }
        return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
    }

    // MARK: text arguments (protocol 0)

    func parseTextInt(_ text: String, allowBool: Bool) throws -> PickleValue {
        if allowBool && text == "00" { return .bool(false) }
        if allowBool && text == "01" { return .bool(true) }
        if let v = Int64(text) { return .int(v) }
        guard let big = Self.decimalLong(text) else { throw fail("'\(text)' is not a decimal integer") }
        return big
    }

    /// A decimal too large for Int64, as the little-endian two's complement bytes LONG1 would hold.
    static func decimalLong(_ text: String) -> PickleValue? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var magnitude: [UInt8] = []  // little-endian base 256
        for d in digits.utf8 {
            var carry = UInt32(d - 0x30)
            for i in magnitude.indices {
                let v = UInt32(magnitude[i]) * 10 + carry
                magnitude[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            while carry > 0 { magnitude.append(UInt8(carry & 0xFF)); carry >>= 8 }
        }
        magnitude.append(0)  // room for the sign bit
        if negative {
            var carry: UInt16 = 1
            for i in magnitude.indices {
                let v = UInt16(~magnitude[i]) + carry
                magnitude[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
        }
        return longValue(magnitude)
    }

    /// The argument of STRING: a Python repr, quoted with ' or ", with backslash escapes.
    func parseQuotedString(_ line: [UInt8]) throws -> [UInt8] {
        guard line.count >= 2, let q = line.first, q == 0x27 || q == 0x22, line.last == q else {
            throw fail("STRING argument is not quoted")
        }
        var out = [UInt8]()
        var i = 1
        let end = line.count - 1
        while i < end {
            let c = line[i]
            i += 1
            guard c == 0x5C, i < end else { out.append(c); continue }
            let e = line[i]
            i += 1
            switch e {
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x61: out.append(0x07)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x76: out.append(0x0B)
            case 0x78:
                guard i + 2 <= end, let v = UInt8(String(decoding: line[i..<(i + 2)], as: UTF8.self), radix: 16) else {
                    throw fail("bad \\x escape in STRING")
                }
                out.append(v)
                i += 2
            case 0x30...0x37:
                var v = Int(e - 0x30)
                var digits = 1
                while digits < 3, i < end, (0x30...0x37).contains(line[i]) {
                    v = v * 8 + Int(line[i] - 0x30)
                    i += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: v))
            default: out.append(e)
            }
        }
        return out
    }

    /// Protocol-0 UNICODE: Latin-1 text with \uXXXX and \UXXXXXXXX escapes.
    static func rawUnicodeEscape(_ line: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < line.count {
            if line[i] == 0x5C, i + 1 < line.count, line[i + 1] == 0x75 || line[i + 1] == 0x55 {
                let width = line[i + 1] == 0x75 ? 4 : 8
                if i + 2 + width <= line.count,
                   let v = UInt32(String(decoding: line[(i + 2)..<(i + 2 + width)], as: UTF8.self), radix: 16),
                   let s = Unicode.Scalar(v) {
                    scalars.append(s)
                    i += 2 + width
                    continue
                }
            }
            scalars.append(Unicode.Scalar(line[i]))
            i += 1
        }
        return String(scalars)
    }

    /// Drops high bytes that only repeat the sign, so equal numbers have equal bytes.
    static func minimalTwosComplement(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        while b.count > 1 {
            let last = b[b.count - 1], sign = b[b.count - 2] & 0x80
            guard (last == 0 && sign == 0) || (last == 0xFF && sign != 0) else { break }
            b.removeLast()
        }
        return b
    }

    /// LONG1 / LONG4 payload: little-endian two's complement of any length.
    static func longValue(_ bytes: [UInt8]) -> PickleValue {
        if bytes.isEmpty { return .int(0) }
        if bytes.count > 8 {
            // Still fits when the extra high bytes only repeat the sign.
            let fill: UInt8 = bytes[7] & 0x80 != 0 ? 0xFF : 0
            guard bytes[8...].allSatisfy({ $0 == fill }) else { return .bigInt(minimalTwosComplement(bytes)) }
            return longValue(Array(bytes[..<8]))
        }
        var v: UInt64 = 0
        for (i, b) in bytes.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        if bytes.count < 8, bytes[bytes.count - 1] & 0x80 != 0 {
            v |= ~UInt64(0) << (8 * UInt64(bytes.count))
        }
        return .int(Int64(bitPattern: v))
    }
}

/// Turns the machine's shared nodes into plain values. A node reached twice is converted once;
/// a node that contains itself cannot be a value and is rejected.
private struct PickleFreezer {
    var done: [ObjectIdentifier: PickleValue] = [:]
    var inProgress: Set<ObjectIdentifier> = []
    /// Values in the tree below each frozen node, counting shared parts once per reference.
    var treeSizes: [ObjectIdentifier: Int] = [:]
    /// A few bytes of memo references can make a list of two copies of a list of two copies ...:
    /// a DAG whose tree has 2^500 values, which every reader that walks the result as a tree
    /// would take forever on. Real pickles share little (a storage, a dtype), so the tree may
    /// hold at most this many values, or 64 per byte of the pickle when that is more.
    let maxTreeSize: Int

    init(byteCount: Int) {
        maxTreeSize = max(1 << 22, byteCount.multipliedReportingOverflow(by: 64).partialValue)
    }
    /// Deep enough for any real pickle (state dicts and numpy arrays nest a few levels; Python's
    /// own recursion limit is 1000), shallow enough that the recursive readers of the result
    /// (freezing here, TorchFile's decoder, equality) stay far from the end of an 8 MiB stack even
    /// in an address-sanitizer build.
    static let maxDepth = 500

    mutating func freeze(_ item: PickleItem, depth: Int) throws -> PickleValue {
        switch item {
        case .leaf(let v): return v
        case .node(let node):
            let id = ObjectIdentifier(node)
            if let v = done[id] { return v }
            guard depth < Self.maxDepth else { throw PickleError.structure("objects nested more than \(Self.maxDepth) deep") }
            guard inProgress.insert(id).inserted else {
                throw PickleError.structure("the pickle contains an object that refers to itself")
            }
            let v = try freezeNode(node, depth: depth + 1)
            inProgress.remove(id)
            let size = node.children.reduce(1) { total, child in
                guard case .node(let n) = child else { return total + 1 }
                return total + (treeSizes[ObjectIdentifier(n)] ?? 1)
            }
            guard size <= maxTreeSize else {
                throw PickleError.structure("shared references expand the pickle to more than \(maxTreeSize) values")
            }
            treeSizes[id] = size
            done[id] = v
            return v
        }
    }

    mutating func freezeNode(_ node: PickleNode, depth: Int) throws -> PickleValue {
        let items = try node.items.map { try freeze($0, depth: depth) }
        let pairs = try node.pairs.map { PickleValue.Pair(try freeze($0.0, depth: depth), try freeze($0.1, depth: depth)) }
        switch node.kind {
        case .list: return .list(items)
        case .tuple: return .tuple(items)
        case .dict: return .dict(pairs)
        case .set: return .set(items)
        case .frozenSet: return .frozenSet(items)
        case .persistentID: return .persistentID(items.first ?? .none)
        case .reduce(let callable, let args):
            let c = PickleObject.Constructor.reduce(callable: try freeze(callable, depth: depth), args: try freeze(args, depth: depth))
            return .object(PickleObject(constructor: c, state: try node.state.map { try freeze($0, depth: depth) },
                                        listItems: items, dictItems: pairs))
        case .newObject(let cls, let args, let kwargs):
            let c = PickleObject.Constructor.newObject(cls: try freeze(cls, depth: depth), args: try freeze(args, depth: depth),
                                                       kwargs: try kwargs.map { try freeze($0, depth: depth) } ?? .none)
            return .object(PickleObject(constructor: c, state: try node.state.map { try freeze($0, depth: depth) },
                                        listItems: items, dictItems: pairs))
        }
    }
}
