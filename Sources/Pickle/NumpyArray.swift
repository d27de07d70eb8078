/// A numpy array as numpy pickles it: dtype description (`"|u1"`, `"<i8"`, `"<f4"`...),
/// shape, memory order and the raw element bytes.
public struct NumpyArray: Sendable, Equatable {
    /// Byte order character (`<`, `>` or `|`) followed by kind and item size, like numpy's `dtype.str`.
    public var descr: String
    public var shape: [Int]
    public var fortranOrder: Bool
    public var data: [UInt8]

    public init(descr: String, shape: [Int], fortranOrder: Bool = false, data: [UInt8]) {
        self.descr = descr
        self.shape = shape
        self.fortranOrder = fortranOrder
        self.data = data
    }

    public var count: Int { shape.reduce(1, *) }
    /// numpy's kind letter: `b` bool, `i` signed, `u` unsigned, `f` float.
    public var kind: Character { descr.dropFirst().first ?? "?" }
    public var itemSize: Int { Int(descr.dropFirst(2)) ?? 0 }
    public var isBigEndian: Bool { descr.first == ">" }

    /// An int64 vector, the way numpy stores `np.array(list_of_ints)` on 64-bit Linux.
    public init(int64 values: [Int]) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) } }
        self.init(descr: "<i8", shape: [values.count], data: bytes)
    }
}

// MARK: reading

extension NumpyArray {
    /// Whether `value` looks like a pickled numpy array or scalar.
    public static func isPickledArray(_ value: PickleValue) -> Bool {
        guard case .object(let o) = value, let c = o.callableName else { return false }
        return Self.numpyModules.contains(c.module) && ["_reconstruct", "scalar", "_frombuffer"].contains(c.name)
    }

    private static let numpyModules: Set<String> = [
        "numpy.core.multiarray", "numpy._core.multiarray", "numpy.core.numeric", "numpy._core.numeric",
    ]

    /// Decodes `numpy.core.multiarray._reconstruct` + BUILD (any numpy version and protocol),
    /// `numpy.core.numeric._frombuffer` (protocol 5) and `numpy.core.multiarray.scalar`.
    public init(pickle value: PickleValue) throws {
        guard case .object(let o) = value, let c = o.callableName, Self.numpyModules.contains(c.module) else {
            throw PickleError.structure("expected a numpy array, found \(value.kindName)")
        }
        switch c.name {
        case "_reconstruct": self = try Self.fromReconstruct(o)
        case "_frombuffer": self = try Self.fromFrombuffer(o)
        case "scalar": self = try Self.fromScalar(o)
        default: throw PickleError.structure("expected a numpy array, found \(c.module).\(c.name)")
        }
        try validate()
    }

    private static func fromReconstruct(_ o: PickleObject) throws -> NumpyArray {
        guard case .tuple(var state)? = o.state else {
            throw PickleError.structure("numpy array without its BUILD state")
        }
        // Version 1 states start with the version number; the oldest ones omit it.
        if state.count == 5 { state.removeFirst() }
        guard state.count == 4 else { throw PickleError.structure("numpy array state has \(state.count) items") }
        let shape = try shapeList(state[0])
        let descr = try dtypeDescr(state[1])
        guard case .bool(let fortran) = normalizedBool(state[2]) else {
            throw PickleError.structure("numpy array fortran flag is \(state[2].kindName)")
        }
        guard let data = state[3].byteContent() else {
            throw PickleError.structure("numpy array data is \(state[3].kindName), not raw bytes (object arrays are not supported)")
        }
        return NumpyArray(descr: descr, shape: shape, fortranOrder: fortran, data: data)
    }

    private static func fromFrombuffer(_ o: PickleObject) throws -> NumpyArray {
        guard let args = o.arguments, args.count == 4, let data = args[0].byteContent() else {
            throw PickleError.structure("numpy _frombuffer call without (buffer, dtype, shape, order)")
        }
        let order = args[3].text ?? "C"
        return NumpyArray(descr: try dtypeDescr(args[1]), shape: try shapeList(args[2]),
                          fortranOrder: order == "F", data: data)
    }

    private static func fromScalar(_ o: PickleObject) throws -> NumpyArray {
        guard let args = o.arguments, args.count == 2, let data = args[1].byteContent() else {
            throw PickleError.structure("numpy scalar call without (dtype, bytes)")
        }
        return NumpyArray(descr: try dtypeDescr(args[0]), shape: [], data: data)
    }

    private static func normalizedBool(_ v: PickleValue) -> PickleValue {
        if case .int(let i) = v { return .bool(i != 0) }
        return v
    }

    private static func shapeList(_ v: PickleValue) throws -> [Int] {
        guard let items = v.sequenceItems else { throw PickleError.structure("numpy shape is \(v.kindName)") }
        return try items.map {
            guard let n = $0.intValue, n >= 0 else { throw PickleError.structure("numpy shape entry is \($0.kindName)") }
            return n
        }
    }

    /// `numpy.dtype('u1', False, True)` + BUILD `(3, '<', ...)` -> `"|u1"` style descr.
    private static func dtypeDescr(_ v: PickleValue) throws -> String {
        guard case .object(let o) = v, o.isCall(to: "numpy", "dtype"), let args = o.arguments,
              let typeString = args.first?.text, typeString.count >= 2 else {
            throw PickleError.structure("expected numpy.dtype, found \(v.kindName)")
        }
        var order = "|"
        if case .tuple(let state)? = o.state, state.count >= 2, let o = state[1].text { order = o }
        if order == "=" { order = "<" }
        guard ["<", ">", "|"].contains(order) else { throw PickleError.structure("numpy byte order '\(order)'") }
        guard let kind = typeString.first, "biuf".contains(kind), let size = Int(typeString.dropFirst()),
              [1, 2, 4, 8].contains(size) else {
            throw PickleError.structure("unsupported numpy dtype '\(typeString)'")
        }
        if size == 1 { order = "|" }
        return order + typeString
    }

    private func validate() throws {
        var n = 1
        for d in shape {
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { throw PickleError.structure("numpy shape \(shape) is too large") }
            n = m
        }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: itemSize)
        guard !overflow, bytes == data.count else {
            throw PickleError.structure("numpy array \(descr) of shape \(shape) needs \(n) x \(itemSize) bytes, found \(data.count)")
        }
    }
}

// MARK: element access

extension NumpyArray {
    /// The elements of a bool or integer array as Ints, in storage order.
    public func intValues() throws -> [Int] {
        guard kind == "i" || kind == "u" || kind == "b" else {
            throw PickleError.structure("expected an integer array, found dtype \(descr)")
        }
        let size = itemSize
        let signed = kind == "i"
        let big = isBigEndian
        var out = [Int](repeating: 0, count: count)
        try data.withUnsafeBufferPointer { src in
            for i in 0..<out.count {
                var raw: UInt64 = 0
                for b in 0..<size {
                    let byte = UInt64(src[i * size + (big ? size - 1 - b : b)])
                    raw |= byte << (8 * UInt64(b))
                }
                if signed && size < 8 && raw & (1 << (8 * UInt64(size) - 1)) != 0 {
                    raw |= ~UInt64(0) << (8 * UInt64(size))
                }
                guard signed || raw <= UInt64(Int.max) else {
                    throw PickleError.structure("value \(raw) does not fit in Int")
                }
                out[i] = Int(Int64(bitPattern: raw))
            }
        }
        return out
    }

    /// The elements as Doubles (float arrays of 4 or 8 bytes, and integer arrays).
    public func doubleValues() throws -> [Double] {
        guard kind == "f" else { return try intValues().map(Double.init) }
        let size = itemSize
        guard size == 4 || size == 8 else { throw PickleError.structure("unsupported float dtype \(descr)") }
        let big = isBigEndian
        var out = [Double](repeating: 0, count: count)
        data.withUnsafeBytes { src in
            for i in 0..<out.count {
                if size == 8 {
                    let bits = src.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                    out[i] = Double(bitPattern: big ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits))
                } else {
                    let bits = src.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                    out[i] = Double(Float(bitPattern: big ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
                }
            }
        }
        return out
    }

    /// A list of ints as the reference code stores labels: a Python list / tuple of ints,
    /// or a numpy integer array of any shape (flattened).
    public static func intList(from value: PickleValue) throws -> [Int] {
        if isPickledArray(value) { return try NumpyArray(pickle: value).intValues() }
        guard let items = value.sequenceItems else {
            throw PickleError.structure("expected a list of ints, found \(value.kindName)")
        }
        return try items.enumerated().map { i, item in
            guard let v = item.intValue else { throw PickleError.structure("item \(i) is \(item.kindName), not an int") }
            return v
        }
    }
}

// MARK: writing

extension NumpyArray {
    /// The value numpy's own pickling produces (`_reconstruct` + BUILD), loadable by numpy 1.x and 2.x.
    public func pickleValue() -> PickleValue {
        let order = String(descr.prefix(1))
        let typeString = String(descr.dropFirst())
        let dtype = PickleValue.call("numpy", "dtype", [.string(typeString), .bool(false), .bool(true)],
                                     state: .tuple([.int(3), .string(order), .none, .none, .none,
                                                    .int(-1), .int(-1), .int(0)]))
        let state = PickleValue.tuple([.int(1), .tuple(shape.map { .int(Int64($0)) }), dtype,
                                       .bool(fortranOrder), .bytes(data)])
        return .call("numpy.core.multiarray", "_reconstruct",
                     [.global(module: "numpy", name: "ndarray"), .tuple([.int(0)]), .bytes([0x62])], state: state)
    }
}
