import Foundation
import Pickle

/// Reads and writes `torch.save` checkpoint files. Reading accepts both of torch's formats: the zip
/// archive of torch >= 1.6 and the legacy stream of pickles before it (`TorchLegacyFile`). Writing
/// produces the zip format; those files load in Python with `torch.load(path, weights_only=True)`.
public enum TorchFile {
    // MARK: reading

    public static func load(path: String) throws -> TorchValue {
        try load(bytes: try readFile(path), path: path)
    }

    /// Reads a checkpoint already in memory; `path` only names it in errors.
    public static func load(bytes: [UInt8], path: String) throws -> TorchValue {
        let checkpoint = try TorchCheckpointSource(bytes: bytes, path: path)
        var decoder = TorchPickleDecoder(path: path, loadStorage: checkpoint.storage)
        return try decoder.decode(checkpoint.root)
    }

    /// The tensors of a state dict, in file order. Accepts a plain dict or OrderedDict of tensors,
    /// or a checkpoint dict holding one under `state_dict` (the reference's
    /// `{'state_dict': ..., 'epoch': ..., 'best_acc1': ...}`); other checkpoint entries are not decoded.
    public static func loadTensorDict(path: String) throws -> [(String, StoredTensor)] {
        try loadTensorDict(bytes: try readFile(path), path: path)
    }

    public static func loadTensorDict(bytes: [UInt8], path: String) throws -> [(String, StoredTensor)] {
        let checkpoint = try TorchCheckpointSource(bytes: bytes, path: path)
        let root = checkpoint.root
        guard root.dictEntries != nil else {
            throw TorchFileError.badPickle(path: path, detail: "checkpoint is a \(root.kindName), not a dict")
        }
        let stateDict = root["state_dict"] ?? root
        guard let entries = stateDict.dictEntries else {
            throw TorchFileError.badPickle(path: path, detail: "state_dict is a \(stateDict.kindName), not a dict")
        }
        var decoder = TorchPickleDecoder(path: path, loadStorage: checkpoint.storage)
        return try entries.map { entry in
            guard let name = entry.key.text else {
                throw TorchFileError.badPickle(path: path, detail: "state dict key is a \(entry.key.kindName)")
            }
            guard case .tensor(let t) = try decoder.decode(entry.value) else {
                throw TorchFileError.badPickle(path: path, detail: "state dict entry '\(name)' is not a tensor")
            }
            return (name, t)
        }
    }

    // MARK: writing

    /// Writes `value` as torch.save does. Every tensor gets its own storage holding exactly
    /// its elements (contiguous, offset 0); views of a shared storage are written as copies.
    public static func save(_ value: TorchValue, to path: String) throws {
        let bytes = try encode(value, archiveName: archiveName(for: path), path: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TorchFileError.cannotWrite(path: path, detail: "\(error)")
        }
    }

    /// The bytes `save` would write; `archiveName` is the folder inside the zip (torch uses the file's stem).
    public static func encode(_ value: TorchValue, archiveName: String = "archive", path: String = "<memory>") throws -> [UInt8] {
        var encoder = TorchPickleEncoder()
        let pickle = try encoder.encode(value, path: path)
        let prefix = archiveName + "/"
        var zip = TorchZipWriter()
        do {
            try zip.add(prefix + "data.pkl", PickleWriter.write(pickle))
            try zip.add(prefix + ".format_version", Array("1".utf8))
            try zip.add(prefix + ".storage_alignment", Array("64".utf8))
            try zip.add(prefix + "byteorder", Array("little".utf8))
            for (key, bytes) in encoder.storages { try zip.add(prefix + "data/" + key, bytes) }
            try zip.add(prefix + "version", Array("3\n".utf8))
            try zip.add(prefix + ".data/serialization_id", Array(serializationID(encoder.storages).utf8))
            return try zip.finish()
        } catch is TorchZipWriterError {
            throw TorchFileError.cannotWrite(path: path, detail: "checkpoint over 4 GiB (needs ZIP64, not supported)")
        }
    }

    // MARK: helpers

    static func readFile(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TorchFileError.cannotRead(path: path, detail: "file not found")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TorchFileError.cannotRead(path: path, detail: "not readable")
        }
        return [UInt8](data)
    }

    private static func archiveName(for path: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let safe = !stem.isEmpty && stem.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" || $0 == ".")
        }
        return safe ? stem : "archive"
    }

    /// torch writes a random decimal id; a digest of the contents keeps our output reproducible.
    private static func serializationID(_ storages: [(String, [UInt8])]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for (key, bytes) in storages {
            for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            h = (h ^ UInt64(TorchZipCRC32.checksum(bytes[...]))) &* 0x100_0000_01B3
        }
        let a = String(h), b = String(h.byteSwapped)
        return String(repeating: "0", count: 20 - a.count) + a + String(repeating: "0", count: 20 - b.count) + b
    }
}

/// A checkpoint's object pickle and its storages, from whichever of torch's two formats the file
/// is in. The first bytes decide: a zip archive starts with "PK", a legacy file with a pickle's
/// PROTO opcode 0x80.
private struct TorchCheckpointSource {
    let root: PickleValue
    let storage: (String) throws -> [UInt8]

    init(bytes: [UInt8], path: String) throws {
        if TorchArchive.looksLikeZip(bytes) {
            let archive = try TorchArchive(bytes: bytes, path: path)
            root = try archive.pickle()
            storage = archive.storage
        } else if TorchLegacyFile.looksLegacy(bytes) {
            let legacy = try TorchLegacyFile(bytes: bytes, path: path)
            root = legacy.root
            storage = legacy.storage
        } else {
            throw TorchFileError.notAZipArchive(path: path, detail: "no zip signature, nor the pickle of a legacy (torch < 1.6) file")
        }
    }
}

/// The records of a torch zip archive, located by their common folder name.
private struct TorchArchive {
    let zip: TorchZipReader
    let prefix: String
    let path: String

    static func looksLikeZip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B
    }

    init(bytes: [UInt8], path: String) throws {
        guard Self.looksLikeZip(bytes) else { throw TorchFileError.notAZipArchive(path: path, detail: "no zip signature") }
        zip = try TorchZipReader(bytes: bytes, path: path)
        guard let pickleEntry = zip.entries.first(where: { $0.name.hasSuffix("data.pkl") && $0.name.split(separator: "/").count == 2 }) else {
            throw TorchFileError.missingRecord(path: path, record: "<archive>/data.pkl")
        }
        prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        self.path = path
        if zip.contains(prefix + "byteorder") {
            let order = String(decoding: try zip.data(prefix + "byteorder"), as: UTF8.self)
            guard order == "little" else {
                throw TorchFileError.badPickle(path: path, detail: "byteorder '\(order)' is not supported, only little-endian")
            }
        }
    }

    func pickle() throws -> PickleValue {
        do {
            return try PickleReader.read(try zip.data(prefix + "data.pkl"))
        } catch let error as PickleError {
            throw TorchFileError.badPickle(path: path, detail: error.description)
        }
    }

    func storage(_ key: String) throws -> [UInt8] {
        try zip.data(prefix + "data/" + key)
    }
}

/// Turns `TorchValue`s into the pickle torch writes, collecting tensor storages on the way.
private struct TorchPickleEncoder {
    var storages: [(String, [UInt8])] = []

    mutating func encode(_ value: TorchValue, path: String) throws -> PickleValue {
        switch value {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(Int64(i))
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .list(let items): return .list(try items.map { try encode($0, path: path) })
        case .tuple(let items): return .tuple(try items.map { try encode($0, path: path) })
        case .dict(let entries, let ordered):
            let pairs = try entries.map { PickleValue.Pair(try encode($0.key, path: path), try encode($0.value, path: path)) }
            guard ordered else { return .dict(pairs) }
            return .object(PickleObject(constructor: .reduce(callable: .global(module: "collections", name: "OrderedDict"),
                                                             args: .tuple([])), dictItems: pairs))
        case .tensor(let tensor): return try encodeTensor(tensor, path: path)
        }
    }

    private mutating func encodeTensor(_ tensor: StoredTensor, path: String) throws -> PickleValue {
        let bytes: [UInt8]
        do { bytes = try tensor.contiguousBytes() } catch {
            throw TorchFileError.badTensor(path: path, detail: "\(error)")
        }
        let key = String(storages.count)
        storages.append((key, bytes))
        let storageID = PickleValue.persistentID(.tuple([
            .string("storage"), .global(module: "torch", name: tensor.dtype.storageClassName),
            .string(key), .string("cpu"), .int(Int64(tensor.elementCount)),
        ]))
        let hooks = PickleValue.call("collections", "OrderedDict", [])
        return .call("torch._utils", "_rebuild_tensor_v2", [
            storageID, .int(0),
            .tuple(tensor.shape.map { .int(Int64($0)) }),
            .tuple(StoredTensor.contiguousStrides(for: tensor.shape).map { .int(Int64($0)) }),
            .bool(tensor.requiresGrad), hooks,
        ])
    }
}
