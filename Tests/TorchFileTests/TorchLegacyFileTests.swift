import Foundation
import Testing
import Pickle
@testable import TorchFile
import TestSupport

// Tests of the legacy (torch < 1.6) format: the reference checkpoint and its zip twin, damaged
// copies of it, hand-built files for each header and storage check, and a round trip through torch.

/// ../shared/fixtures/reference beside the repository root (this file is Tests/TorchFileTests/…).
private let referenceFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/fixtures/reference").standardized.path
private let legacyPath = referenceFolder + "/train_ce_resnet32_legacy.pth.tar"
private let zipTwinPath = referenceFolder + "/train_ce_resnet32.pth.tar"

private func makeTemporaryFolder() throws -> String {
    let dir = NSTemporaryDirectory() + "torchfile-legacy-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// The value with every tensor made contiguous and its storage key dropped: the two formats name
/// storages differently, but must hold the same elements.
private func comparable(_ value: TorchValue) throws -> TorchValue {
    switch value {
    case .tensor(let t):
        return .tensor(StoredTensor(dtype: t.dtype, shape: t.shape, contiguousData: try t.contiguousBytes(),
                                    requiresGrad: t.requiresGrad))
    case .list(let items): return .list(try items.map(comparable))
    case .tuple(let items): return .tuple(try items.map(comparable))
    case .dict(let entries, let ordered):
        return .dict(try entries.map { .init(try comparable($0.key), try comparable($0.value)) }, ordered: ordered)
    default: return value
    }
}

// MARK: the reference checkpoint

@Test func legacyReferenceCheckpointMatchesItsZipTwin() throws {
    let legacy = try TorchFile.loadTensorDict(path: legacyPath)
    let twin = try TorchFile.loadTensorDict(path: zipTwinPath)
    try #require(legacy.count > 0)
    try #require(legacy.count == twin.count)
    for ((name, tensor), (twinName, twinTensor)) in zip(legacy, twin) {
        #expect(name == twinName)
        #expect(tensor.shape == twinTensor.shape, "\(name)")
        #expect(tensor.strides == twinTensor.strides, "\(name)")
        #expect(tensor.dtype == twinTensor.dtype, "\(name)")
        #expect(try tensor.contiguousBytes() == twinTensor.contiguousBytes(), "\(name)")
    }
}

@Test func legacyReferenceCheckpointLoadsAsAWholeDict() throws {
    let value = try TorchFile.load(path: legacyPath)
    guard case .dict(let entries, _) = value else {
        Issue.record("checkpoint is not a dict: \(value)")
        return
    }
    #expect(entries.map(\.key) == ["epoch", "arch", "state_dict", "best_acc1", "optimizer"].map { TorchValue.string($0) })
    #expect(value["epoch"] == .int(3))
    #expect(value["arch"] == .string("resnet32"))
    let best = try #require(value["best_acc1"]?.tensor)
    #expect(best.shape == [] && best.dtype == .float32)
    #expect(try best.floatValues() == [51.25])
    guard case .dict(let stateDict, ordered: true)? = value["state_dict"] else {
        Issue.record("state_dict is not an OrderedDict")
        return
    }
    #expect(stateDict.count == (try TorchFile.loadTensorDict(path: zipTwinPath)).count)
    let groups = try #require(value["optimizer"]?["param_groups"])
    guard case .list(let groupList) = groups, let group = groupList.first else {
        Issue.record("optimizer param_groups is not a non-empty list")
        return
    }
    #expect(group["lr"] == .float(0.1) && group["momentum"] == .float(0.9))
    // Everything, optimizer momentum buffers included, equals what the zip twin holds.
    #expect(try comparable(value) == comparable(try TorchFile.load(path: zipTwinPath)))
}

// MARK: damaged copies of the reference checkpoint

/// Writes `bytes` as `name` in `folder`, then expects both loaders to throw a TorchFileError whose
/// description names the file and contains `detail`. Records an issue when nothing is thrown.
private func expectLegacyFailure(_ bytes: [UInt8], _ name: String, in folder: String, mentioning detail: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = folder + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let loaders: [(String, () throws -> Void)] = [
        ("load", { _ = try TorchFile.load(path: path) }),
        ("loadTensorDict", { _ = try TorchFile.loadTensorDict(path: path) }),
    ]
    for (loader, run) in loaders {
        do {
            try run()
            Issue.record("\(loader) read \(name) without an error", sourceLocation: sourceLocation)
        } catch let error as TorchFileError {
            #expect(error.description.contains(path), "\(loader) \(name): \(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(detail), "\(loader) \(name): \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(loader) of \(name) threw \(type(of: error)), not a TorchFileError: \(error)",
                         sourceLocation: sourceLocation)
        }
    }
}

@Test func damagedLegacyFilesThrowErrorsNamingThePath() throws {
    let folder = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: legacyPath)))
    // Where each of the five pickles ends, found the way the reader finds them.
    var ends: [Int] = []
    for _ in 0..<5 { ends.append(try PickleReader.read(bytes, from: ends.last ?? 0).end) }
    let keys = try #require(try PickleReader.read(bytes, from: ends[3]).value.sequenceItems?.compactMap(\.text))
    try #require(keys.count > 1)
    let file = try TorchLegacyFile(bytes: bytes, path: legacyPath)
    let firstStorage = try file.storage(keys[0]).count
    let lastStorageStart = bytes.count - 8 - (try file.storage(keys[keys.count - 1]).count)
    try #require(firstStorage > 2 && lastStorageStart > ends[4])

    try expectLegacyFailure(Array(bytes.prefix(5)), "cut-in-magic.pth", in: folder, mentioning: "magic number pickle")
    try expectLegacyFailure(Array(bytes.prefix(ends[3])), "cut-after-object.pth", in: folder,
                            mentioning: "before the storage key list pickle")
    try expectLegacyFailure(Array(bytes.prefix((ends[3] + ends[4]) / 2)), "cut-in-key-list.pth", in: folder,
                            mentioning: "storage key list pickle")
    try expectLegacyFailure(Array(bytes.prefix(ends[4] + 3)), "cut-in-count.pth", in: folder,
                            mentioning: "element count of storage '\(keys[0])'")
    try expectLegacyFailure(Array(bytes.prefix(ends[4] + 8 + firstStorage / 2)), "cut-in-storage.pth", in: folder,
                            mentioning: "storage '\(keys[0])' (1 of \(keys.count)) claims")
    try expectLegacyFailure(Array(bytes.prefix(bytes.count - 1)), "cut-in-last-storage.pth", in: folder,
                            mentioning: "storage '\(keys[keys.count - 1])' (\(keys.count) of \(keys.count)) claims")
    try expectLegacyFailure(Array(bytes.prefix(lastStorageStart)), "last-storage-removed.pth", in: folder,
                            mentioning: "element count of storage '\(keys[keys.count - 1])'")
    var badMagic = bytes
    badMagic[4] ^= 0xFF  // first payload byte of the magic number's LONG1
    try expectLegacyFailure(badMagic, "bad-magic.pth", in: folder, mentioning: "wrong magic number")
    try expectLegacyFailure(bytes + [0], "trailing-byte.pth", in: folder, mentioning: "1 unexpected bytes follow")
    try expectLegacyFailure([0x80], "only-proto.pth", in: folder, mentioning: "magic number pickle")
}

// MARK: hand-built legacy files

/// A tensor call as torch's legacy writer emits it, on storage `key` of `numel` elements.
private func legacyTensor(_ key: String, _ storageClass: String = "FloatStorage", numel: Int, shape: [Int],
                          strides: [Int], offset: Int = 0, view: PickleValue = .none) -> PickleValue {
    let pid = PickleValue.persistentID(.tuple([.string("storage"), .global(module: "torch", name: storageClass),
                                               .string(key), .string("cpu"), .int(Int64(numel)), view]))
    return .call("torch._utils", "_rebuild_tensor_v2", [
        pid, .int(Int64(offset)), .tuple(shape.map { .int(Int64($0)) }), .tuple(strides.map { .int(Int64($0)) }),
        .bool(false), .call("collections", "OrderedDict", []),
    ])
}

private func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// The sections of a legacy file, each replaceable to build one defect at a time.
private struct LegacyFileParts {
    var magic = PickleValue.bigInt(TorchLegacyFile.magicNumber)
    var protocolVersion = PickleValue.int(1001)
    var littleEndian = PickleValue.bool(true)
    var typeSizes: PickleValue? = .dict([.init(.string("short"), .int(2)), .init(.string("int"), .int(4)),
                                         .init(.string("long"), .int(4))])
    /// w: a 2x2 float tensor on storage "a"; v: elements 1...2 of "a" through a legacy storage view.
    var object = PickleValue.dict([
        .init(.string("w"), legacyTensor("a", numel: 4, shape: [2, 2], strides: [2, 1])),
        .init(.string("v"), legacyTensor("a", numel: 4, shape: [2], strides: [1],
                                         view: .tuple([.string("a-view"), .int(1), .int(2)]))),
    ])
    var keys: [PickleValue] = [.string("a")]
    /// Each storage's count field and data, in order.
    var storages: [(count: Int64, data: [UInt8])] = [(4, [Float(1), 2, 3, 4].flatMap { littleEndianBytes($0.bitPattern) })]

    var bytes: [UInt8] {
        var sysInfo: [PickleValue.Pair] = [.init(.string("protocol_version"), .int(1001)),
                                           .init(.string("little_endian"), littleEndian)]
        if let typeSizes { sysInfo.append(.init(.string("type_sizes"), typeSizes)) }
        var out: [UInt8] = []
        for section in [magic, protocolVersion, .dict(sysInfo), object, .list(keys)] {
            out += PickleWriter.write(section)
        }
        for storage in storages { out += littleEndianBytes(storage.count) + storage.data }
        return out
    }
}

/// Expects reading `parts` to throw a TorchFileError naming the path and mentioning `detail`.
private func expectRejected(_ parts: LegacyFileParts, _ name: String, mentioning detail: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    let path = "synthetic/\(name).pth"
    do {
        _ = try TorchFile.load(bytes: parts.bytes, path: path)
        Issue.record("\(name) loaded without an error", sourceLocation: sourceLocation)
    } catch let error as TorchFileError {
        #expect(error.description.contains(path) && error.description.contains(detail), "\(name): \(error)",
                sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(name) threw \(type(of: error)), not a TorchFileError: \(error)", sourceLocation: sourceLocation)
    }
}

@Test func handBuiltLegacyFileLoadsWithItsStorageView() throws {
    let value = try TorchFile.load(bytes: LegacyFileParts().bytes, path: "synthetic/good.pth")
    let w = try #require(value["w"]?.tensor)
    #expect(w.shape == [2, 2] && w.storageKey == "a")
    #expect(try w.floatValues() == [1, 2, 3, 4])
    let v = try #require(value["v"]?.tensor)
    #expect(v.storageKey == "a-view")
    #expect(try v.floatValues() == [2, 3])
}

@Test func legacyHeaderChecksRejectWhatTorchDoesNotWrite() {
    var parts = LegacyFileParts()
    parts.magic = .int(42)
    expectRejected(parts, "small-magic", mentioning: "wrong magic number: the first pickle is 42")
    parts = LegacyFileParts()
    parts.protocolVersion = .int(1000)
    expectRejected(parts, "protocol", mentioning: "unsupported protocol version 1000")
    parts = LegacyFileParts()
    parts.littleEndian = .bool(false)
    expectRejected(parts, "big-endian", mentioning: "little_endian is False")
    parts = LegacyFileParts()
    parts.typeSizes = .dict([.init(.string("short"), .int(2)), .init(.string("int"), .int(4)), .init(.string("long"), .int(8))])
    expectRejected(parts, "long-8", mentioning: "type_sizes are {'int': 4, 'long': 8, 'short': 2}")
    parts = LegacyFileParts()
    parts.typeSizes = nil
    expectRejected(parts, "no-type-sizes", mentioning: "type_sizes are missing")
}

@Test func legacyStorageChecksRejectInconsistentFiles() {
    let floats = LegacyFileParts().storages[0].data
    var parts = LegacyFileParts()
    parts.keys = [.string("a"), .string("a")]
    parts.storages = [(4, floats), (4, floats)]
    expectRejected(parts, "listed-twice", mentioning: "storage key 'a' is listed twice")
    parts = LegacyFileParts()
    parts.keys = []
    parts.storages = []
    expectRejected(parts, "missing-key", mentioning: "storage key 'a' that a tensor refers to is missing")
    parts = LegacyFileParts()
    parts.keys = [.string("a"), .string("b")]
    parts.storages = [(4, floats), (1, floats.prefix(4).map { $0 })]
    expectRejected(parts, "unreferenced-key", mentioning: "storage key 'b' is listed but no tensor refers to it")
    parts = LegacyFileParts()
    parts.storages = [(Int64.max / 2, floats)]
    expectRejected(parts, "huge-count", mentioning: "claims \(Int64.max / 2) float32 elements")
    parts = LegacyFileParts()
    parts.storages = [(-1, floats)]
    expectRejected(parts, "negative-count", mentioning: "claims -1 float32 elements")
    parts = LegacyFileParts()
    parts.storages = [(5, floats)]
    expectRejected(parts, "count-past-end", mentioning: "claims 5 float32 elements (4 bytes each), but only 16 bytes remain")
    parts = LegacyFileParts()
    parts.storages = [(3, Array(floats.prefix(12)))]
    expectRejected(parts, "count-mismatch", mentioning: "holds 3 elements, but the tensors' reference to it says 4")
    parts = LegacyFileParts()
    parts.object = .dict([.init(.string("w"), legacyTensor("a", numel: 4, shape: [4], strides: [1])),
                          .init(.string("n"), legacyTensor("a", "LongStorage", numel: 2, shape: [2], strides: [1]))])
    expectRejected(parts, "two-dtypes", mentioning: "storage 'a' is referred to as 4 float32 elements and as 2 int64")
    parts = LegacyFileParts()
    parts.object = .dict([.init(.string("v"), legacyTensor("a", numel: 4, shape: [2], strides: [1],
                                                           view: .tuple([.string("a-view"), .int(3), .int(2)])))])
    expectRejected(parts, "view-past-end", mentioning: "storage view 'a-view' covers elements 3..<5")
    parts = LegacyFileParts()
    parts.keys = [.int(7)]
    expectRejected(parts, "int-key", mentioning: "a storage key is a int, not a str")
}

@Test func pickleReaderReadsPicklesBackToBack() throws {
    let first = PickleWriter.write(.int(1001)), second = PickleWriter.write(.list([.string("a")]))
    let bytes = first + second
    let one = try PickleReader.read(bytes, from: 0)
    #expect(one.value == .int(1001) && one.end == first.count)
    let two = try PickleReader.read(bytes, from: one.end)
    #expect(two.value == .list([.string("a")]) && two.end == bytes.count)
    #expect(throws: PickleError.self) { _ = try PickleReader.read(bytes, from: bytes.count + 1) }
    #expect(throws: PickleError.self) { _ = try PickleReader.read(bytes, from: -1) }
    #expect(throws: PickleError.self) { _ = try PickleReader.read(bytes, from: bytes.count) }
}

// MARK: a round trip through Python torch

@Test func readsWhatPythonTorchSavesInTheLegacyFormat() throws {
    let folder = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/legacy.pth"
    let json = try PythonTorchRunner.run("""
        import torch, json
        base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        shared = torch.arange(10, dtype=torch.int64) * 3 - 7
        sd = {'f32': torch.tensor([1.5, -2.0, 3.25]), 'f64': torch.tensor([[0.1, -1e300]], dtype=torch.float64),
              'i64': torch.tensor([-(1 << 40), 7]), 'u8': torch.tensor([0, 255, 7], dtype=torch.uint8),
              'flag': torch.tensor([True, False, True]), 'transposed': base.t(), 'sliced': base[1:, 1:3],
              'head': shared[:4], 'tail': shared[6:]}
        torch.save({'state_dict': sd, 'epoch': 5, 'note': 'legacy'}, '\(path)', _use_new_zipfile_serialization=False)
        with open('\(path)', 'rb') as f:
            zipped = f.read(2) == b'PK'
        print(json.dumps({'zipped': zipped, 'tensors': {k: {'shape': list(v.shape), 'dtype': str(v.dtype),
                          'values': v.double().flatten().tolist()} for k, v in sd.items()}}))
        """)
    #expect(json["zipped"] as? Bool == false)
    let expected = try #require(json["tensors"] as? [String: [String: Any]])
    let tensors = try TorchFile.loadTensorDict(path: path)
    #expect(tensors.map(\.0) == ["f32", "f64", "i64", "u8", "flag", "transposed", "sliced", "head", "tail"])
    let dtypes: [String: TorchScalarType] = ["torch.float32": .float32, "torch.float64": .float64, "torch.int64": .int64,
                                             "torch.uint8": .uint8, "torch.bool": .bool]
    for (name, tensor) in tensors {
        let python = try #require(expected[name])
        #expect(tensor.shape == python["shape"] as? [Int], "\(name)")
        #expect(tensor.dtype == dtypes[python["dtype"] as? String ?? ""], "\(name)")
        let values = try tensor.doubleValues()
        let pythonValues = try #require(python["values"] as? [Double])
        // Foundation's JSON parser may be one ulp off on 17-digit decimals, hence the tolerance.
        #expect(values.count == pythonValues.count, "\(name)")
        #expect(zip(values, pythonValues).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }, "\(name)")
    }
    let byName = Dictionary(uniqueKeysWithValues: tensors)
    #expect(byName["sliced"]?.isContiguous == false && byName["transposed"]?.isContiguous == false)
    // head and tail view one storage of ten int64s, which the file holds once.
    #expect(byName["head"]?.storageKey == byName["tail"]?.storageKey)
    #expect(byName["tail"]?.storage.count == 80 && byName["tail"]?.storageOffset == 6)
    #expect(try byName["i64"]?.int64Values() == [-(1 << 40), 7])
    let whole = try TorchFile.load(path: path)
    #expect(whole["epoch"] == .int(5) && whole["note"] == .string("legacy"))
}
