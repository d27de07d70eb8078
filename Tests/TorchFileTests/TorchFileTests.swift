import Foundation
import Testing
import Pickle
@testable import TorchFile
import TestSupport

/// Runs a Python script with torch importable; returns its stdout parsed as JSON.
private func runTorchPython(_ script: String) throws -> [String: Any] {
    try PythonTorchRunner.run(script)
}

@Test func swiftRoundTripKeepsValuesAndStructure() throws {
    let transposed = StoredTensor(dtype: .float32, shape: [3, 2], strides: [1, 3], storageOffset: 0, storageKey: "x",
                                  storage: StoredTensor(float32: [1, 2, 3, 4, 5, 6], shape: [6]).storage)
    let value = TorchValue.dict([
        .init(.string("state_dict"), .stateDict([
            ("w", StoredTensor(float32: [1.5, -2, 3.25, 0], shape: [2, 2])),
            ("n", StoredTensor(int64: [Int64.max, -7], shape: [2])),
            ("t", transposed),
        ])),
        .init(.string("epoch"), .int(3)),
        .init(.string("names"), .list([.string("a"), .none, .bool(true), .float(0.25)])),
        .init(.string("shape"), .tuple([.int(1), .int(2)])),
        .init(.int(7), .string("int key")),
    ], ordered: false)
    let temp = try TemporaryFolder("torchfile")
    defer { temp.remove() }
    let path = temp.file("round.pth")
    try TorchFile.save(value, to: path)
    let back = try TorchFile.load(path: path)
    #expect(back["epoch"] == .int(3))
    #expect(back["names"] == value["names"])
    #expect(back["shape"] == .tuple([.int(1), .int(2)]))
    let tensors = try TorchFile.loadTensorDict(path: path)
    #expect(tensors.map(\.0) == ["w", "n", "t"])
    #expect(try tensors[0].1.floatValues() == [1.5, -2, 3.25, 0])
    #expect(try tensors[1].1.int64Values() == [Int64.max, -7])
    #expect(tensors[2].1.shape == [3, 2])
    #expect(try tensors[2].1.floatValues() == [1, 4, 2, 5, 3, 6])
    #expect(tensors[2].1.isContiguous)
}

@Test func writtenDataIsAlignedTo64Bytes() throws {
    let bytes = try TorchFile.encode(.stateDict([("a", StoredTensor(float32: [1, 2, 3], shape: [3])),
                                                  ("b", StoredTensor(float32: [4], shape: [1]))]))
    let zip = try TorchZipReader(bytes: bytes, path: "mem")
    let storages = zip.entries.filter { $0.name.contains("/data/") }
    #expect(storages.count == 2)
    #expect(storages.allSatisfy { $0.dataOffset % 64 == 0 })
    #expect(zip.entries.map(\.name) == ["archive/data.pkl", "archive/.format_version", "archive/.storage_alignment",
                                        "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version",
                                        "archive/.data/serialization_id"])
}

@Test func readsWhatPythonTorchSaves() throws {
    let temp = try TemporaryFolder("torchfile")
    defer { temp.remove() }
    let dir = temp.path + "/"
    let json = try runTorchPython("""
        import torch, json, collections
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.Linear(4, 2))
        m(torch.randn(2, 3, 3, 3))  # moves BatchNorm running stats and num_batches_tracked
        sd = m.state_dict()
        sd['f64'] = torch.tensor([1.5, -2.25], dtype=torch.float64)
        sd['i64'] = torch.tensor([[1, -(1 << 40)]], dtype=torch.int64)
        sd['flag'] = torch.tensor([True, False, True])
        sd['half'] = torch.tensor([0.5, -3.0], dtype=torch.float16)
        sd['bf16'] = torch.tensor([1.25, -8.0], dtype=torch.bfloat16)
        base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        sd['transposed'] = base.t()
        sd['sliced'] = base[1:, 1:3]
        torch.save(sd, '\(dir)sd.pth')
        torch.save({'state_dict': m.state_dict(), 'epoch': 3, 'best_acc1': torch.tensor(55.5)}, '\(dir)ckpt.pth')
        print(json.dumps({k: {'shape': list(v.shape), 'values': v.double().flatten().tolist()} for k, v in sd.items()}))
        """)
    let tensors = try TorchFile.loadTensorDict(path: dir + "sd.pth")
    #expect(tensors.map(\.0) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                 "1.num_batches_tracked", "3.weight", "3.bias", "f64", "i64", "flag", "half", "bf16",
                                 "transposed", "sliced"])
    for (name, tensor) in tensors {
        let expected = try #require(json[name] as? [String: Any])
        #expect(tensor.shape == expected["shape"] as? [Int], "\(name)")
        // Foundation's JSON parser may be one ulp off on 17-digit decimals, hence the tolerance.
        let values = try tensor.doubleValues()
        let pythonValues = try #require(expected["values"] as? [Double])
        #expect(values.count == pythonValues.count, "\(name)")
        #expect(zip(values, pythonValues).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }, "\(name)")
    }
    let dtypes = Dictionary(uniqueKeysWithValues: tensors.map { ($0.0, $0.1.dtype) })
    #expect(dtypes["1.num_batches_tracked"] == .int64 && dtypes["flag"] == .bool && dtypes["half"] == .float16)
    #expect(dtypes["bf16"] == .bfloat16 && dtypes["f64"] == .float64)
    #expect(tensors.first { $0.0 == "transposed" }?.1.isContiguous == false)
    #expect(try tensors.first { $0.0 == "i64" }?.1.int64Values() == [1, -(1 << 40)])

    let checkpoint = try TorchFile.load(path: dir + "ckpt.pth")
    #expect(checkpoint["epoch"] == .int(3))
    let best = try #require(checkpoint["best_acc1"]?.tensor)
    #expect(best.shape == [])
    #expect(try best.floatValues() == [55.5])
    let fromCheckpoint = try TorchFile.loadTensorDict(path: dir + "ckpt.pth")
    #expect(fromCheckpoint.map(\.0) == Array(tensors.map(\.0).prefix(9)))
    #expect(fromCheckpoint.map(\.1) == Array(tensors.map(\.1).prefix(9)))
}

@Test func pythonLoadsWhatWeSaveWithWeightsOnly() throws {
    let temp = try TemporaryFolder("torchfile")
    defer { temp.remove() }
    let path = temp.file("ours.pth")
    let transposed = StoredTensor(dtype: .float32, shape: [2, 3], strides: [1, 2], storageOffset: 0, storageKey: "t",
                                  storage: StoredTensor(float32: [1, 2, 3, 4, 5, 6], shape: [6]).storage)
    let value = TorchValue.dict([
        .init(.string("state_dict"), .stateDict([
            ("w", StoredTensor(float32: [0.5, -1, 2, 4], shape: [2, 2])),
            ("steps", StoredTensor(int64: [1 << 40], shape: [])),
            ("mask", StoredTensor(dtype: .bool, shape: [3], contiguousData: [1, 0, 1])),
            ("t", transposed),
            ("empty", StoredTensor(float32: [], shape: [0, 3])),
        ])),
        .init(.string("epoch"), .int(12)),
        .init(.string("best_acc1"), .float(41.25)),
        .init(.string("arch"), .string("resnet32")),
    ], ordered: false)
    try TorchFile.save(value, to: path)
    let json = try runTorchPython("""
        import torch, json, collections
        c = torch.load('\(path)', weights_only=True)
        sd = c['state_dict']
        print(json.dumps({'ordered': isinstance(sd, collections.OrderedDict), 'keys': list(sd.keys()),
                          'epoch': c['epoch'], 'best': c['best_acc1'], 'arch': c['arch'],
                          'dtypes': [str(v.dtype) for v in sd.values()],
                          'shapes': [list(v.shape) for v in sd.values()],
                          'values': [v.double().flatten().tolist() for v in sd.values()]}))
        """)
    #expect(json["ordered"] as? Bool == true)
    #expect(json["keys"] as? [String] == ["w", "steps", "mask", "t", "empty"])
    #expect(json["epoch"] as? Int == 12 && json["best"] as? Double == 41.25 && json["arch"] as? String == "resnet32")
    #expect(json["dtypes"] as? [String] == ["torch.float32", "torch.int64", "torch.bool", "torch.float32", "torch.float32"])
    #expect(json["shapes"] as? [[Int]] == [[2, 2], [], [3], [2, 3], [0, 3]])
    #expect(json["values"] as? [[Double]] == [[0.5, -1, 2, 4], [Double(1 << 40)], [1, 0, 1], [1, 3, 5, 2, 4, 6], []])
}

@Test func badFilesGiveErrorsNamingThePath() throws {
    let temp = try TemporaryFolder("torchfile")
    defer { temp.remove() }
    let notZip = temp.file("junk.pth")
    try Data("hello world, not a zip".utf8).write(to: URL(fileURLWithPath: notZip))
    #expect(throws: TorchFileError.notAZipArchive(path: notZip, detail: "no zip signature, nor the pickle of a legacy (torch < 1.6) file")) {
        _ = try TorchFile.load(path: notZip)
    }
    #expect(throws: TorchFileError.cannotRead(path: "/nonexistent/x.pth", detail: "file not found")) {
        _ = try TorchFile.load(path: "/nonexistent/x.pth")
    }

    let good = try TorchFile.encode(.stateDict([("w", StoredTensor(float32: [1, 2], shape: [2]))]))
    // Truncating the archive loses the central directory.
    #expect(throws: TorchFileError.self) { _ = try TorchFile.load(bytes: Array(good.prefix(good.count - 30)), path: "cut.pth") }
    // A flipped storage byte fails the CRC check.
    var corrupt = good
    let zip = try TorchZipReader(bytes: good, path: "mem")
    let storage = try #require(zip.entries.first { $0.name.hasSuffix("data/0") })
    corrupt[storage.dataOffset] ^= 0xFF
    #expect(throws: TorchFileError.self) { _ = try TorchFile.load(bytes: corrupt, path: "crc.pth") }

    // An archive without data.pkl, and one whose pickle names an arbitrary class.
    var noPickle = TorchZipWriter()
    try noPickle.add("archive/version", Array("3\n".utf8))
    #expect(throws: TorchFileError.missingRecord(path: "np.pth", record: "<archive>/data.pkl")) {
        _ = try TorchFile.load(bytes: try noPickle.finish(), path: "np.pth")
    }
    var evil = TorchZipWriter()
    try evil.add("archive/data.pkl", PickleWriter.write(.call("os", "system", [.string("echo hi")])))
    #expect(throws: TorchFileError.unsupportedGlobal(path: "evil.pth", name: "os.system")) {
        _ = try TorchFile.load(bytes: try evil.finish(), path: "evil.pth")
    }
    // A tensor whose view runs past its storage.
    var overrun = TorchZipWriter()
    let pid = PickleValue.persistentID(.tuple([.string("storage"), .global(module: "torch", name: "FloatStorage"),
                                               .string("0"), .string("cpu"), .int(2)]))
    try overrun.add("archive/data.pkl", PickleWriter.write(.call("torch._utils", "_rebuild_tensor_v2", [
        pid, .int(0), .tuple([.int(5)]), .tuple([.int(1)]), .bool(false), .call("collections", "OrderedDict", []),
    ])))
    try overrun.add("archive/data/0", [UInt8](repeating: 0, count: 8))
    #expect(throws: TorchFileError.self) { _ = try TorchFile.load(bytes: try overrun.finish(), path: "over.pth") }
    // A missing storage record.
    var missing = TorchZipWriter()
    try missing.add("archive/data.pkl", PickleWriter.write(.call("torch._utils", "_rebuild_tensor_v2", [
        pid, .int(0), .tuple([.int(2)]), .tuple([.int(1)]), .bool(false), .call("collections", "OrderedDict", []),
    ])))
    #expect(throws: TorchFileError.missingRecord(path: "miss.pth", record: "archive/data/0")) {
        _ = try TorchFile.load(bytes: try missing.finish(), path: "miss.pth")
    }
}
