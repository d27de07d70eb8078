import Foundation
import Testing
@testable import TailData
import TestSupport

/// A minimal MATLAB level-5 writer (either byte order, optionally compressed), independent of
/// the reader, for building test files.
struct MATTestWriter {
    var bigEndian = false
    var compress = false
    private(set) var elementOffsets: [Int] = []
    private var body: [UInt8] = []

    init(bigEndian: Bool = false, compress: Bool = false) {
        self.bigEndian = bigEndian
        self.compress = compress
    }

    /// A numeric variable; `data` is little-endian, `elementSize` bytes per value.
    mutating func addNumeric(_ name: String, dimensions: [Int], arrayClass: UInt8, storageType: UInt32,
                             elementSize: Int, data: [UInt8], imaginary: [UInt8]? = nil) {
        var flags = UInt32(arrayClass)
        if imaginary != nil { flags |= 0x800 }
        var matrix = element(6, word(flags) + word(0))
        matrix += element(5, dimensions.flatMap { word(UInt32(bitPattern: Int32($0))) })
        matrix += element(1, Array(name.utf8))
        matrix += element(storageType, ordered(data, elementSize))
        if let imaginary { matrix += element(storageType, ordered(imaginary, elementSize)) }
        addMatrix(matrix)
    }

    /// A char variable, which the reader lists but does not decode.
    mutating func addText(_ name: String, _ text: String) {
        let units = Array(text.utf16)
        var matrix = element(6, word(4) + word(0))
        matrix += element(5, word(1) + word(UInt32(units.count)))
        matrix += element(1, Array(name.utf8))
        matrix += element(4, ordered(units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, 2))
        addMatrix(matrix)
    }

    func file() -> [UInt8] {
        var header = Array("MATLAB 5.0 MAT-file, written by TailKit tests".utf8)
        header += [UInt8](repeating: 0x20, count: 116 - header.count) + [UInt8](repeating: 0, count: 8)
        header += bigEndian ? [0x01, 0x00, UInt8(ascii: "M"), UInt8(ascii: "I")]
                            : [0x00, 0x01, UInt8(ascii: "I"), UInt8(ascii: "M")]
        return header + body
    }

    private mutating func addMatrix(_ contents: [UInt8]) {
        elementOffsets.append(128 + body.count)
        let matrix = element(14, contents)
        if compress {
            let packed = FormatsDeflate.compress(matrix, gzip: false)
            body += word(15) + word(UInt32(packed.count)) + packed
        } else {
            body += matrix
        }
    }

    /// A tag and payload; payloads up to 4 bytes use the small data element format.
    private func element(_ type: UInt32, _ payload: [UInt8]) -> [UInt8] {
        if payload.count <= 4 && type != 14 {
            return word(UInt32(payload.count) << 16 | type) + payload + [UInt8](repeating: 0, count: 4 - payload.count)
        }
        return word(type) + word(UInt32(payload.count)) + payload + [UInt8](repeating: 0, count: (8 - payload.count % 8) % 8)
    }

    private func word(_ value: UInt32) -> [UInt8] {
        let little = [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
        return bigEndian ? little.reversed() : little
    }

    private func ordered(_ data: [UInt8], _ size: Int) -> [UInt8] {
        guard bigEndian && size > 1 else { return data }
        return stride(from: 0, to: data.count, by: size).flatMap { data[$0..<($0 + size)].reversed() }
    }
}

/// SVHN images in HWC with raw `y` values, and the same as MAT arrays.
private struct SVHNFixture {
    var hwc: [UInt8]
    var rawLabels: [UInt8]
    var count: Int { rawLabels.count }

    init(count: Int, seed: UInt64) {
        hwc = formatsRandomBytes(count * 3072, seed: seed)
        rawLabels = (0..<count).map { UInt8(1 + $0 % 10) }
    }

    /// X[h, w, c, n] column-major.
    var columnMajorX: [UInt8] {
        var x = [UInt8](repeating: 0, count: hwc.count)
        for n in 0..<count { for c in 0..<3 { for w in 0..<32 { for h in 0..<32 {
            x[h + 32 * w + 1024 * c + 3072 * n] = hwc[n * 3072 + (h * 32 + w) * 3 + c]
        } } } }
        return x
    }

    var digits: [Int] { rawLabels.map { Int($0) % 10 } }

    /// Written the way MATLAB writes SVHN: y of class double stored as uint8, or as doubles.
    func matFile(bigEndian: Bool, compress: Bool, labelsAsDoubles: Bool = false, xCount: Int? = nil) -> MATTestWriter {
        var writer = MATTestWriter(bigEndian: bigEndian, compress: compress)
        writer.addNumeric("X", dimensions: [32, 32, 3, xCount ?? count], arrayClass: 9, storageType: 2,
                          elementSize: 1, data: columnMajorX)
        if labelsAsDoubles {
            writer.addNumeric("y", dimensions: [count, 1], arrayClass: 6, storageType: 9, elementSize: 8,
                              data: rawLabels.flatMap { formatsDoubleBytes(Double($0)) })
        } else {
            writer.addNumeric("y", dimensions: [count, 1], arrayClass: 6, storageType: 2, elementSize: 1, data: rawLabels)
        }
        return writer
    }
}

func formatsDoubleBytes(_ value: Double) -> [UInt8] {
    withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
}

/// Runs a Python snippet with the project's numpy and scipy in `folder`; a failure throws with Python's
/// standard error.
private func runPython(_ script: String, in folder: String) throws {
    _ = try TestPython.run(script, in: folder)
}

@Suite struct SVHNTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func writerFilesDecode(bigEndian: Bool, compress: Bool) throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let fixture = SVHNFixture(count: 12, seed: 80)
        for doubles in [false, true] {
            let mat = fixture.matFile(bigEndian: bigEndian, compress: compress, labelsAsDoubles: doubles)
            let path = try folder.write("train_32x32.mat", mat.file())
            let set = try SVHN.load(split: .train, root: folder.path)
            #expect(set.images == fixture.hwc)
            #expect(set.labels == fixture.digits)
            #expect((set.height, set.width, set.channels, set.numClasses) == (32, 32, 3, 10))
            #expect(try MATFile(contentsOf: path).variableNames == ["X", "y"])
        }
    }

    @Test(arguments: [false, true])
    func scipyFilesDecode(compressed: Bool) throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let script = """
        import numpy as np, scipy.io
        rng = np.random.default_rng(5)
        X = rng.integers(0, 256, size=(32, 32, 3, 9), dtype=np.uint8)
        y = np.array([[10], [1], [2], [3], [4], [5], [6], [7], [9]], dtype=np.float64)
        scipy.io.savemat('test_32x32.mat', {'X': X, 'y': y}, do_compression=\(compressed ? "True" : "False"))
        open('expected_hwc.bin', 'wb').write(np.ascontiguousarray(np.transpose(X, (3, 0, 1, 2))).tobytes())
        """
        try runPython(script, in: folder.path)
        let set = try SVHN.load(split: .test, root: folder.path)
        #expect(set.images == Array(try Data(contentsOf: URL(fileURLWithPath: folder.file("expected_hwc.bin")))))
        #expect(set.labels == [0, 1, 2, 3, 4, 5, 6, 7, 9])
    }

    @Test(arguments: [false, true])
    func matFileReadsGeneralNumericArrays(compressed: Bool) throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let script = """
        import numpy as np, scipy.io
        scipy.io.savemat('general.mat', {
            'a': np.array([[1.5, 2, 3], [4, 5, -6]]),
            'b': np.arange(24, dtype=np.int16).reshape(2, 3, 4) - 7,
            'c': np.uint8(200),
            'z': np.array([1 + 2j, 3 - 4j]),
            'f': np.array([0.25, 1e30], dtype=np.float32),
            'u': np.array([2**63 + 1024], dtype=np.uint64),
            's': 'text',
            'cell': np.array([np.array([1.0]), 'x'], dtype=object),
            'a_rather_long_variable_name': np.zeros((0, 3)),
        }, do_compression=\(compressed ? "True" : "False"))
        """
        try runPython(script, in: folder.path)
        let mat = try MATFile(contentsOf: folder.file("general.mat"))
        #expect(Set(mat.variableNames) == ["a", "b", "c", "z", "f", "u", "s", "cell", "a_rather_long_variable_name"])
        let a = try #require(mat["a"])
        #expect(a.dimensions == [2, 3] && a.arrayClass == .double)
        #expect(a.doubles() == [1.5, 4, 2, 5, 3, -6])  // column-major
        let b = try #require(mat["b"])
        #expect(b.dimensions == [2, 3, 4] && b.arrayClass == .int16 && b.storage == .int16)
        // b[i, j, k] = 12 i + 4 j + k - 7 sits at i + 2 j + 6 k.
        var expected = [Double](repeating: 0, count: 24)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { expected[i + 2 * j + 6 * k] = Double(12 * i + 4 * j + k - 7) } } }
        #expect(b.doubles() == expected)
        #expect(mat["c"]?.doubles() == [200] && mat["c"]?.arrayClass == .uint8 && mat["c"]?.dimensions == [1, 1])
        let z = try #require(mat["z"])
        #expect(z.doubles() == [1, 3] && z.imaginaryBytes == [2.0, -4.0].flatMap(formatsDoubleBytes))
        #expect(mat["f"]?.doubles() == [0.25, Double(Float(1e30))] && mat["f"]?.storage == .single)
        #expect(mat["u"]?.doubles() == [Double(UInt64(1) << 63 + 1024)])
        #expect(mat["a_rather_long_variable_name"]?.dimensions == [0, 3])
        #expect(mat["s"] == nil && mat["cell"] == nil)
    }

    @Test(arguments: [false, true])
    func bigEndianNumericTypesAndSkippedText(compress: Bool) throws {
        var writer = MATTestWriter(bigEndian: true, compress: compress)
        writer.addText("note", "hello")
        let int32s: [Int32] = [-5, 70000, 3, 0]
        writer.addNumeric("m", dimensions: [2, 2], arrayClass: 12, storageType: 5, elementSize: 4,
                          data: int32s.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) })
        writer.addNumeric("d", dimensions: [1, 1], arrayClass: 6, storageType: 9, elementSize: 8, data: formatsDoubleBytes(-2.5))
        writer.addNumeric("z", dimensions: [1, 2], arrayClass: 6, storageType: 9, elementSize: 8,
                          data: [1.0, -3.0].flatMap(formatsDoubleBytes), imaginary: [0.5, 8.0].flatMap(formatsDoubleBytes))
        let mat = try MATFile(bytes: writer.file(), path: "be.mat")
        #expect(mat.variableNames == ["note", "m", "d", "z"])
        #expect(mat["z"]?.doubles() == [1, -3] && mat["z"]?.imaginaryBytes == [0.5, 8.0].flatMap(formatsDoubleBytes))
        #expect(mat["m"]?.doubles() == [-5, 70000, 3, 0] && mat["m"]?.dimensions == [2, 2])
        #expect(mat["d"]?.doubles() == [-2.5])
    }

    @Test func rejectsBadInput() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let fixture = SVHNFixture(count: 3, seed: 90)

        var outOfRange = fixture
        outOfRange.rawLabels[1] = 11
        let path = try folder.write("a.mat", outOfRange.matFile(bigEndian: false, compress: true).file())
        #expect(throws: DataError.labelOutOfRange(path: path, index: 1, label: 11, validRange: "1...10")) {
            try SVHN.load(path: path)
        }
        var fractional = MATTestWriter()
        fractional.addNumeric("X", dimensions: [32, 32, 3, 1], arrayClass: 9, storageType: 2, elementSize: 1,
                              data: [UInt8](repeating: 0, count: 3072))
        fractional.addNumeric("y", dimensions: [1, 1], arrayClass: 6, storageType: 9, elementSize: 8, data: formatsDoubleBytes(2.5))
        try folder.write("f.mat", fractional.file())
        #expect(throws: DataError.labelOutOfRange(path: folder.file("f.mat"), index: 0, label: 2, validRange: "1...10")) {
            try SVHN.load(path: folder.file("f.mat"))
        }
        // A label no Int holds (the fuzzer's find) is refused, shown as -1, not a trap.
        for (index, huge) in [-1e300, 1e300, Double.nan].enumerated() {
            var writer = MATTestWriter()
            writer.addNumeric("X", dimensions: [32, 32, 3, 1], arrayClass: 9, storageType: 2, elementSize: 1,
                              data: [UInt8](repeating: 0, count: 3072))
            writer.addNumeric("y", dimensions: [1, 1], arrayClass: 6, storageType: 9, elementSize: 8, data: formatsDoubleBytes(huge))
            let hugePath = try folder.write("huge\(index).mat", writer.file())
            #expect(throws: DataError.labelOutOfRange(path: hugePath, index: 0, label: -1, validRange: "1...10")) {
                try SVHN.load(path: hugePath)
            }
        }
        let mismatch = try folder.write("m.mat", SVHNFixture(count: 3, seed: 91).matFile(bigEndian: false, compress: false, xCount: 2).file())
        #expect(throws: DataError.self) { try SVHN.load(path: mismatch) }  // X data no longer matches its dims
        var countMismatch = MATTestWriter()
        countMismatch.addNumeric("X", dimensions: [32, 32, 3, 1], arrayClass: 9, storageType: 2, elementSize: 1,
                                 data: [UInt8](repeating: 0, count: 3072))
        countMismatch.addNumeric("y", dimensions: [2, 1], arrayClass: 6, storageType: 2, elementSize: 1, data: [1, 2])
        try folder.write("c.mat", countMismatch.file())
        #expect(throws: DataError.countMismatch(path: folder.file("c.mat"), images: 1, labels: 2)) {
            try SVHN.load(path: folder.file("c.mat"))
        }
        var noY = MATTestWriter()
        noY.addNumeric("X", dimensions: [32, 32, 3, 1], arrayClass: 9, storageType: 2, elementSize: 1,
                       data: [UInt8](repeating: 0, count: 3072))
        try folder.write("n.mat", noY.file())
        #expect(throws: DataError.badHeader(path: folder.file("n.mat"), detail: "no numeric variable 'y'")) {
            try SVHN.load(path: folder.file("n.mat"))
        }
        let hdf5 = try folder.write("h.mat", Array("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: x HDF5 schema 1.00 .".utf8)
                                    + [UInt8](repeating: 0, count: 600))
        #expect(throws: DataError.badHeader(path: hdf5, detail: "MATLAB v7.3 (HDF5) MAT-files are not supported; save with -v7")) {
            try SVHN.load(path: hdf5)
        }
        #expect(throws: DataError.missingFile(path: folder.file("extra_32x32.mat"))) {
            try SVHN.load(split: .extra, root: folder.path)
        }
    }

    @Test(arguments: [false, true])
    func everyTruncationIsAnErrorExceptAtElementBoundaries(compress: Bool) throws {
        let writer = SVHNFixture(count: 2, seed: 95).matFile(bigEndian: false, compress: compress)
        let bytes = writer.file()
        let boundaries = Set(writer.elementOffsets + [bytes.count])
        for length in 0..<bytes.count where !boundaries.contains(length) {
            #expect(throws: DataError.self) { try MATFile(bytes: Array(bytes[..<length]), path: "t.mat") }
        }
        var mat = try MATFile(bytes: Array(bytes[..<writer.elementOffsets[1]]), path: "t.mat")
        #expect(throws: DataError.badHeader(path: "t.mat", detail: "no numeric variable 'y'")) {
            try SVHN.imageSet(from: &mat, path: "t.mat")
        }
    }

    @Test func neverCrashesOnGarbage() throws {
        let valid = SVHNFixture(count: 1, seed: 96).matFile(bigEndian: false, compress: true).file()
        for seed in UInt64(0)..<60 {
            #expect(throws: DataError.self) { try MATFile(bytes: formatsRandomBytes(Int(seed) * 50, seed: seed), path: "r") }
            // A valid header followed by garbage, and a valid file with bytes flipped.
            _ = try? MATFile(bytes: Array(valid[..<128]) + formatsRandomBytes(Int(seed) * 50, seed: seed), path: "r")
            var flipped = valid
            var generator = SeededGenerator(seed: seed)
            for _ in 0..<4 { flipped[128 + generator.int(below: flipped.count - 128)] ^= UInt8(1 + generator.int(below: 255)) }
            if var mat = try? MATFile(bytes: flipped, path: "r") { _ = try? SVHN.imageSet(from: &mat, path: "r") }
        }
    }
}
