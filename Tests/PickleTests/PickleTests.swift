import Foundation
import Testing
@testable import Pickle
import TestSupport

/// Runs `python3 -c script` and returns stdout; used to get pickles real Python wrote.
private func picklePython(_ script: String) throws -> [UInt8] {
    [UInt8](try PythonTorchRunner.output(script))
}

/// Writes `bytes` to a temp file so Python can read them; returns the path.
private func pickleTempFile(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "pickle-test-\(UUID().uuidString).pkl"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

private let pickleSample: PickleValue = .dict([
    .init(.string("ints"), .list([.int(0), .int(255), .int(256), .int(65536), .int(-1), .int(Int64.max), .int(Int64.min)])),
    .init(.string("float"), .float(-2.5)),
    .init(.string("text"), .string("héllo ✓")),
    .init(.string("bytes"), .bytes([0, 1, 0xFF, 0x80])),
    .init(.string("tuple"), .tuple([.none, .bool(true), .bool(false), .tuple([]), .tuple([.int(1), .int(2), .int(3), .int(4)])])),
    .init(.string("big"), .bigInt([0, 0, 0, 0, 0, 0, 0, 0, 0x40])),
    .init(.string("set"), .set([.int(3)])),
    .init(.string("long list"), .list((0..<2500).map { .int(Int64($0)) })),
])

@Test func writerRoundTripsEveryKindOfValue() throws {
    for style in [PickleWriter.BytesStyle.python2String, .python3Bytes] {
        let bytes = PickleWriter.write(pickleSample, bytesStyle: style)
        let back = try PickleReader.read(bytes)
        // A set comes back as the `set([...])` call protocols 2 and 3 use for it.
        guard case .dict(var pairs) = back, case .dict(var expected) = pickleSample else {
            Issue.record("not a dict")
            return
        }
        let setIndex = try #require(pairs.firstIndex { $0.key == .string("set") })
        let setObject = pairs.remove(at: setIndex).value
        expected.removeAll { $0.key == .string("set") }
        #expect(pairs == expected)
        guard case .object(let o) = setObject else { Issue.record("set not an object"); return }
        #expect(o.callableName?.name == "set")
        #expect(o.arguments == [.list([.int(3)])])
    }
}

@Test func readsWhatPythonWritesInEveryProtocol() throws {
    for proto in 0...5 {
        let bytes = try picklePython("""
            import pickle, sys
            shared = [1, 2]
            obj = {'a': [1, -2, 3.5, None, True, False], 'b': b'xy\\x00', 's': 'caf\\u00e9',
                   'big': 2**70, 'neg': -(2**40), 't': (1, 2), 'x': shared, 'y': shared,
                   'fs': frozenset([7]), 'u': {5}}
            sys.stdout.buffer.write(pickle.dumps(obj, protocol=\(proto)))
            """)
        let v = try PickleReader.read(bytes)
        #expect(v["a"] == .list([.int(1), .int(-2), .float(3.5), .none, .bool(true), .bool(false)]), "protocol \(proto)")
        #expect(v["s"] == .string("café"), "protocol \(proto)")
        #expect(v["neg"] == .int(-(1 << 40)), "protocol \(proto)")
        #expect(v["big"] == .bigInt([0, 0, 0, 0, 0, 0, 0, 0, 0x40]), "protocol \(proto)")
        #expect(v["t"] == .tuple([.int(1), .int(2)]), "protocol \(proto)")
        #expect(v["x"] == .list([.int(1), .int(2)]) && v["y"] == v["x"], "protocol \(proto)")
        #expect(v["b"]?.byteContent() == [0x78, 0x79, 0], "protocol \(proto)")
    }
}

@Test func truncatedPickleNamesTheOffset() throws {
    let bytes = PickleWriter.write(.list([.string("abcdef"), .int(1)]))
    for cut in [1, 5, bytes.count - 1] {
        #expect {
            _ = try PickleReader.read(Array(bytes[..<cut]))
        } throws: { error in
            guard let e = error as? PickleError else { return false }
            return e.kind == .truncated && e.offset != nil
        }
    }
}

@Test func unknownOpcodeIsMalformed() throws {
    #expect {
        _ = try PickleReader.read([0x80, 0x02, 0xFF, 0x2E])
    } throws: { error in
        (error as? PickleError) == PickleError(kind: .malformed, opcode: 0xFF, offset: 2, reason: "unknown opcode")
    }
    // STOP with nothing on the stack, and a GET of a memo slot never written.
    #expect(throws: PickleError.self) { _ = try PickleReader.read([0x80, 0x02, 0x2E]) }
    #expect(throws: PickleError.self) { _ = try PickleReader.read([0x80, 0x02, 0x68, 0x05, 0x2E]) }
}

@Test func selfReferenceIsRejected() throws {
    // l = []; l.append(l)
    let bytes: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
    #expect(throws: PickleError.self) { _ = try PickleReader.read(bytes) }
}

@Test func decodesNumpyArraysFromEveryProtocol() throws {
    for proto in [2, 3, 4, 5] {
        let bytes = try picklePython("""
            import pickle, sys, numpy as np
            obj = {'u8': np.arange(6, dtype=np.uint8).reshape(2, 3) + 250,
                   'i8': np.array([-3, 0, 1 << 40], dtype=np.int64),
                   'be': np.array([1, -2], dtype='>i4'),
                   'f4': np.array([[0.5, -1.25]], dtype=np.float32),
                   'ft': np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
                   'sc': np.float64(2.25), 'empty': np.zeros((0, 4), dtype=np.uint8)}
            sys.stdout.buffer.write(pickle.dumps(obj, protocol=\(proto)))
            """)
        let v = try PickleReader.read(bytes)
        let u8 = try NumpyArray(pickle: try #require(v["u8"]))
        #expect(u8.descr == "|u1" && u8.shape == [2, 3] && u8.data == [250, 251, 252, 253, 254, 255], "protocol \(proto)")
        let i8 = try NumpyArray(pickle: try #require(v["i8"]))
        #expect(try i8.intValues() == [-3, 0, 1 << 40], "protocol \(proto)")
        let be = try NumpyArray(pickle: try #require(v["be"]))
        #expect(be.descr == ">i4", "protocol \(proto)")
        #expect(try be.intValues() == [1, -2], "protocol \(proto)")
        let f4 = try NumpyArray(pickle: try #require(v["f4"]))
        #expect(f4.shape == [1, 2], "protocol \(proto)")
        #expect(try f4.doubleValues() == [0.5, -1.25], "protocol \(proto)")
        let ft = try NumpyArray(pickle: try #require(v["ft"]))
        #expect(ft.fortranOrder, "protocol \(proto)")
        #expect(try ft.intValues() == [0, 3, 1, 4, 2, 5], "protocol \(proto)")
        let sc = try NumpyArray(pickle: try #require(v["sc"]))
        #expect(sc.shape == [], "protocol \(proto)")
        #expect(try sc.doubleValues() == [2.25], "protocol \(proto)")
        let empty = try NumpyArray(pickle: try #require(v["empty"]))
        #expect(empty.shape == [0, 4] && empty.data.isEmpty, "protocol \(proto)")
        #expect(try NumpyArray.intList(from: try #require(v["i8"])) == [-3, 0, 1 << 40])
    }
}

@Test func pythonLoadsNumpyArraysWeWrite() throws {
    let array = NumpyArray(descr: "<i8", shape: [2, 2], data: NumpyArray(int64: [1, -2, 3, 1 << 33]).data)
    let py2 = try pickleTempFile(PickleWriter.write(.dict([.init(.bytes(Array("a".utf8)), array.pickleValue())]),
                                                    bytesStyle: .python2String))
    let py3 = try pickleTempFile(PickleWriter.write(.dict([.init(.string("a"), array.pickleValue())]),
                                                    bytesStyle: .python3Bytes))
    defer {
        try? FileManager.default.removeItem(atPath: py2)
        try? FileManager.default.removeItem(atPath: py3)
    }
    let out = try picklePython("""
        import pickle, sys, warnings
        warnings.simplefilter('error')
        a = pickle.load(open('\(py2)', 'rb'), encoding='bytes')[b'a']
        b = pickle.load(open('\(py3)', 'rb'))['a']
        print(a.dtype, a.shape, a.tolist(), b.dtype, b.tolist())
        """)
    #expect(String(decoding: out, as: UTF8.self) == "int64 (2, 2) [[1, -2], [3, 8589934592]] int64 [[1, -2], [3, 8589934592]]\n")
}

@Test func numpyArrayWithWrongDataSizeIsRejected() throws {
    var bad = NumpyArray(descr: "<i8", shape: [3], data: [UInt8](repeating: 0, count: 16)).pickleValue()
    #expect(throws: PickleError.self) { _ = try NumpyArray(pickle: bad) }
    bad = .list([.int(1), .string("x")])
    #expect(throws: PickleError.self) { _ = try NumpyArray.intList(from: bad) }
}
