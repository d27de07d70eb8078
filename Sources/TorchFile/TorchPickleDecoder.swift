import Pickle

/// Turns the pickle of a checkpoint into `TorchValue`s, accepting only the globals plain
/// checkpoints use (the ones `torch.load(weights_only=True)` accepts, plus numpy scalars).
struct TorchPickleDecoder {
    let path: String
    /// Storage bytes by key; loads each `data/<key>` record once.
    let loadStorage: (String) throws -> [UInt8]
    private var storages: [String: [UInt8]] = [:]

    init(path: String, loadStorage: @escaping (String) throws -> [UInt8]) {
        self.path = path
        self.loadStorage = loadStorage
    }

    mutating func decode(_ value: PickleValue) throws -> TorchValue {
        switch value {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let v):
            guard let i = Int(exactly: v) else { throw bad("integer \(v) does not fit") }
            return .int(i)
        case .bigInt: throw bad("integer larger than 64 bits")
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .bytes: return .string(value.text ?? "")
        case .list(let items): return .list(try items.map { try decode($0) })
        case .tuple(let items): return .tuple(try items.map { try decode($0) })
        case .dict(let pairs): return .dict(try entries(pairs), ordered: false)
        case .set, .frozenSet: throw bad("sets are not supported in checkpoints")
        case .global(let module, let name): throw TorchFileError.unsupportedGlobal(path: path, name: "\(module).\(name)")
        case .persistentID: throw bad("a storage outside of a tensor")
        case .object(let object): return try decodeObject(object, value)
        }
    }

    private func bad(_ detail: String) -> TorchFileError { .badPickle(path: path, detail: detail) }

    private mutating func entries(_ pairs: [PickleValue.Pair]) throws -> [TorchValue.Entry] {
        try pairs.map { TorchValue.Entry(try decode($0.key), try decode($0.value)) }
    }

    private mutating func decodeObject(_ object: PickleObject, _ value: PickleValue) throws -> TorchValue {
        guard let (module, name) = object.callableName else { throw bad("call of a computed callable") }
        let args = object.arguments ?? []
        switch (module, name) {
        case ("collections", "OrderedDict"):
            // The `_metadata` attribute a state dict carries arrives as BUILD state; it is not data.
            return .dict(try entries(object.dictItems), ordered: true)
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            return .tensor(try rebuildTensor(args))
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let first = args.first, case .tensor(var t) = try decode(first) else {
                throw bad("_rebuild_parameter without a tensor")
            }
            if args.count > 1, case .bool(let grad) = args[1] { t.requiresGrad = grad }
            return .tensor(t)
        case ("torch", "Size"):
            guard let first = args.first else { return .tuple([]) }
            return .tuple(try (first.sequenceItems ?? []).map { try decode($0) })
        default:
            if NumpyArray.isPickledArray(value) { return try numpyScalar(value, "\(module).\(name)") }
            throw TorchFileError.unsupportedGlobal(path: path, name: "\(module).\(name)")
        }
    }

    /// numpy scalars (e.g. a best accuracy saved as `np.float64`) become plain numbers.
    private func numpyScalar(_ value: PickleValue, _ name: String) throws -> TorchValue {
        let array: NumpyArray
        do { array = try NumpyArray(pickle: value) } catch { throw bad("\(error)") }
        guard array.shape.isEmpty else { throw TorchFileError.unsupportedGlobal(path: path, name: "\(name) (numpy array)") }
        do {
            switch array.kind {
            case "f": return .float(try array.doubleValues()[0])
            case "b": return .bool(try array.intValues()[0] != 0)
            default: return .int(try array.intValues()[0])
            }
        } catch { throw bad("\(error)") }
    }

    /// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    private mutating func rebuildTensor(_ args: [PickleValue]) throws -> StoredTensor {
        guard args.count >= 4 else { throw bad("tensor rebuilt from \(args.count) arguments") }
        let reference = try TorchStorageReference(args[0], path: path)
        let storage = try storageBytes(reference)
        let (dtype, key) = (reference.dtype, reference.view?.key ?? reference.key)
        guard let offset = args[1].intValue else { throw bad("tensor offset is \(args[1].kindName)") }
        let shape = try intTuple(args[2], "size")
        let strides = try intTuple(args[3], "stride")
        var requiresGrad = false
        if args.count > 4, case .bool(let b) = args[4] { requiresGrad = b }
        let tensor = StoredTensor(dtype: dtype, shape: shape, strides: strides, storageOffset: offset,
                                  storageKey: key, storage: storage, requiresGrad: requiresGrad)
        do { try tensor.validateView() } catch {
            throw TorchFileError.badTensor(path: path, detail: "storage \(key): \(error)")
        }
        return tensor
    }

    private mutating func storageBytes(_ reference: TorchStorageReference) throws -> [UInt8] {
        let whole: [UInt8]
        if let cached = storages[reference.key] {
            whole = cached
        } else {
            whole = try loadStorage(reference.key)
            storages[reference.key] = whole
        }
        guard let view = reference.view else { return whole }
        return try viewBytes(view, of: whole, reference)
    }

    /// The elements of a legacy storage view, checked against the storage it slices.
    private func viewBytes(_ view: TorchStorageReference.View, of whole: [UInt8],
                           _ reference: TorchStorageReference) throws -> [UInt8] {
        let size = reference.dtype.elementSize
        let (end, overflow) = view.offset.addingReportingOverflow(view.count)
        guard !overflow, end <= whole.count / size else {
            throw TorchFileError.badTensor(path: path, detail: "storage view '\(view.key)' covers elements "
                + "\(view.offset)..<\(view.offset &+ view.count) of storage '\(reference.key)', which has \(whole.count / size)")
        }
        return Array(whole[(view.offset * size)..<(end * size)])
    }

    private func intTuple(_ value: PickleValue, _ what: String) throws -> [Int] {
        var sequence = value
        if case .object(let o) = value, o.isCall(to: "torch", "Size"), let inner = o.arguments?.first { sequence = inner }
        guard let items = sequence.sequenceItems else {
            throw bad("tensor \(what) is \(value.kindName)")
        }
        return try items.map {
            guard let v = $0.intValue else { throw bad("tensor \(what) entry is \($0.kindName)") }
            return v
        }
    }
}

/// A tensor's storage as its persistent id names it:
/// `('storage', torch.FloatStorage, key, location, numel[, view_metadata])`. The zip format stops
/// at numel; the legacy format adds view_metadata, None unless the tensor sits on a slice of the
/// storage (files of torch < 0.4), then `(view_key, offset, count)` in elements.
struct TorchStorageReference: Equatable {
    struct View: Equatable {
        var key: String
        var offset: Int
        var count: Int
    }

    var dtype: TorchScalarType
    var key: String
    /// The storage's length in elements; nil when the id does not state it.
    var elementCount: Int?
    var view: View?

    init(_ value: PickleValue, path: String) throws {
        func bad(_ detail: String) -> TorchFileError { .badPickle(path: path, detail: detail) }
        guard case .persistentID(let pid) = value, case .tuple(let parts) = pid, parts.count >= 3,
              parts[0].text == "storage" else {
            throw bad("tensor storage is \(value.kindName), not a persistent storage id")
        }
        guard case .global(let module, let name) = parts[1] else { throw bad("storage type is \(parts[1].kindName)") }
        guard module == "torch", let dtype = TorchScalarType(storageClassName: name) else {
            throw TorchFileError.unsupportedGlobal(path: path, name: "\(module).\(name) (storage type)")
        }
        guard let key = parts[2].text else { throw bad("storage key is \(parts[2].kindName)") }
        self.dtype = dtype
        self.key = key
        if parts.count > 4 {
            guard let count = parts[4].intValue, count >= 0 else {
                throw bad("storage '\(key)' has an element count that is not a non-negative int (\(parts[4].kindName))")
            }
            elementCount = count
        }
        if parts.count > 5, parts[5] != .none {
            view = try Self.view(parts[5], of: key, bad)
        }
    }

    private static func view(_ metadata: PickleValue, of key: String,
                             _ bad: (String) -> TorchFileError) throws -> View {
        guard case .tuple(let items) = metadata, items.count == 3, let viewKey = items[0].text,
              let offset = items[1].intValue, let count = items[2].intValue, offset >= 0, count >= 0 else {
            throw bad("storage '\(key)' has view metadata \(metadata.kindName) that is not (key, offset, count)")
        }
        return View(key: viewKey, offset: offset, count: count)
    }
}
