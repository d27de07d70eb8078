import CZlib
import Foundation
import Pickle
import Testing
@testable import TailData
import TestSupport

/// The malformed-file corpus: files truncated at every section boundary, with wrong magic, lying
/// sizes, huge dimensions, NaN/Inf where numbers are expected, wrong dtypes, duplicate keys and
/// hostile nesting. Each is written to disk and read through the public path-based reader, and
/// must give exactly the typed error listed, naming the file.
@Suite struct MalformedFileTests {
    private let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder("tk-malformed") }

    /// Writes `bytes` as `name` and expects `read(path)` to throw exactly `expected(path)`.
    private func expectError(_ name: String, _ bytes: [UInt8], _ expected: (String) -> DataError,
                             sourceLocation: SourceLocation = #_sourceLocation, _ read: (String) throws -> Void) throws {
        let path = try folder.write(name, bytes)
        #expect(throws: expected(path), "\(name)", sourceLocation: sourceLocation) { try read(path) }
    }

    // MARK: IDX (and gzip around it)

    private func idxImages() -> [UInt8] {
        [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4] + (0..<24).map { UInt8($0) }
    }

    @Test func idxTruncatedAtEveryHeaderFieldAndInTheData() throws {
        let valid = idxImages()
        let read = { (path: String) in _ = try IDX.readArray(path: path, magic: IDX.imagesMagic) }
        for cut in [0, 2, 3, 4, 7, 8, 12, 15, 16, 17, 39] {
            try expectError("idx-cut-\(cut)", Array(valid[..<cut]), { path in
                if cut < 4 { return .truncated(path: path, detail: "\(cut) bytes, the IDX magic needs 4") }
                if cut < 16 { return .truncated(path: path, detail: "IDX header needs 16 bytes") }
                return .truncated(path: path, detail: "dimensions [2, 3, 4] need 24 data bytes, file has \(cut - 16)")
            }, read)
        }
    }

    @Test func idxWrongMagicLyingSizesHugeDimensionsAndGzip() throws {
        let read = { (path: String) in _ = try IDX.readArray(path: path, magic: IDX.imagesMagic) }
        var labels = idxImages()
        labels[3] = 1
        try expectError("idx-wrong-magic", labels, { .badHeader(path: $0, detail: "IDX magic is 0x00000801, expected 0x00000803") }, read)
        try expectError("idx-extra-byte", idxImages() + [9], {
            .badHeader(path: $0, detail: "dimensions [2, 3, 4] need 24 data bytes, file has 25")
        }, read)
        let huge: [UInt8] = [0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12)
        try expectError("idx-huge", huge, {
            .badHeader(path: $0, detail: "dimensions [4294967295, 4294967295, 4294967295] describe more bytes than any file holds")
        }, read)
        let gz = FormatsDeflate.gzip(idxImages())
        try expectError("idx-gz-cut", Array(gz[..<(gz.count / 2)]), {
            .truncated(path: $0, detail: "compressed stream ends early after \(gz.count / 2) bytes")
        }, read)
        try expectError("idx-gz-trailing", gz + [1, 2, 3], {
            .undecodable(path: $0, detail: "unexpected bytes after gzip member at offset \(gz.count)")
        }, read)
    }

    @Test func gzipBombIsRefused() throws {
        // 80 MB of zeros deflate to about 80 KB: 1000:1, past the 200:1 bound and the 64 MiB allowance.
        let bomb = FormatsDeflate.gzip([UInt8](repeating: 0, count: 80 << 20))
        try expectError("bomb.gz", bomb, {
            .undecodable(path: $0, detail: "compressed data expands past \(64 << 20) bytes (more than 200:1 from \(bomb.count) bytes): refused as a decompression bomb")
        }) { _ = try DatasetFileIO.readMaybeGzipped($0) }
    }

    // MARK: tar

    @Test func tarTruncationsChecksumsLyingSizesAndEscapingPaths() throws {
        var writer = FormatsTarWriter()
        writer.addFile("cifar/a.bin", (0..<10).map { UInt8($0) })
        let valid = writer.finished()
        let read = { (path: String) in _ = try TarArchive(contentsOf: path) }
        try expectError("tar-cut-header", Array(valid[..<300]), { .truncated(path: $0, detail: "tar header at byte 0 is cut short") }, read)
        try expectError("tar-cut-data", Array(valid[..<515]), { .truncated(path: $0, detail: "tar entry at byte 0 needs 10 bytes, 3 left") }, read)
        var badSum = valid
        badSum[0] ^= 1
        try expectError("tar-checksum", badSum, { .badHeader(path: $0, detail: "tar header at byte 0 has a bad checksum") }, read)
        var lying = FormatsTarWriter()
        lying.addEntry(name: "big", type: "0", data: [])
        var lyingBytes = lying.finished()
        setTarSize(&lyingBytes, 1_000_000)
        try expectError("tar-lying-size", lyingBytes, { .truncated(path: $0, detail: "tar entry at byte 0 needs 1000000 bytes, 1024 left") }, read)
        for name in ["../evil", "a/../../evil", "/etc/passwd"] {
            var escaping = FormatsTarWriter()
            escaping.addFile(name, [1])
            try expectError("tar-escape-\(name.count)", escaping.finished(), {
                .badHeader(path: $0, detail: "tar entry at byte 0 is named '\(name)', which leaves the archive's folder")
            }, read)
        }
        // A pax record whose length stops right after its space once sliced past its own end.
        var pax = FormatsTarWriter()
        pax.addEntry(name: "PaxHeaders/x", type: "x", data: Array("2 ".utf8))
        pax.addFile("a", [1])
        try expectError("tar-pax-short", pax.finished(), { .badHeader(path: $0, detail: "malformed pax header at byte 512") }, read)
    }

    private func setTarSize(_ bytes: inout [UInt8], _ size: Int) {
        let field = Array(String(format: "%011o", size).utf8) + [0]
        for (i, b) in field.enumerated() { bytes[124 + i] = b }
        for i in 148..<156 { bytes[i] = 0x20 }
        let sum = bytes[0..<512].reduce(0) { $0 + Int($1) }
        for (i, b) in (Array(String(format: "%06o", sum).utf8) + [0, 0x20]).enumerated() { bytes[148 + i] = b }
    }

    // MARK: MAT and SVHN

    @Test func matHeaderAndTagsTruncatedOrLying() throws {
        var writer = MATTestWriter()
        writer.addNumeric("y", dimensions: [1, 1], arrayClass: 6, storageType: 2, elementSize: 1, data: [3])
        let valid = writer.file()
        let read = { (path: String) in _ = try MATFile(contentsOf: path) }
        try expectError("mat-cut-100", Array(valid[..<100]), { .truncated(path: $0, detail: "100 bytes, a MAT-file header needs 128") }, read)
        try expectError("mat-cut-tag", Array(valid[..<132]), { .truncated(path: $0, detail: "data element tag at byte 128 is cut short") }, read)
        try expectError("mat-cut-element", Array(valid[..<140]), {
            .truncated(path: $0, detail: "data element at byte 128 needs \(valid.count - 136) bytes, 4 left")
        }, read)
        var endian = valid
        endian[126] = UInt8(ascii: "X")
        try expectError("mat-endian", endian, { .badHeader(path: $0, detail: "no MATLAB 5 endian indicator at byte 126") }, read)
        try expectError("mat-v73", Array("MATLAB 7.3 MAT-file".utf8) + [UInt8](repeating: 0, count: 200), {
            .badHeader(path: $0, detail: "MATLAB v7.3 (HDF5) MAT-files are not supported; save with -v7")
        }, read)
        let side = Int(Int32.max)
        var huge = MATTestWriter()
        huge.addNumeric("X", dimensions: [side, side], arrayClass: 9, storageType: 2, elementSize: 1, data: [1, 2])
        try expectError("mat-huge-dims", huge.file(), {
            .badHeader(path: $0, detail: "array element at byte 128: numeric data holds 2 bytes, dimensions need \(side * side) x 1")
        }, read)
        var overflowing = MATTestWriter()
        overflowing.addNumeric("X", dimensions: [side, side, 4], arrayClass: 9, storageType: 2, elementSize: 1, data: [1, 2])
        try expectError("mat-overflowing-dims", overflowing.file(), {
            .badHeader(path: $0, detail: "array element at byte 128: dimensions [\(side), \(side), 4] are invalid")
        }, read)
        var negative = MATTestWriter()
        negative.addNumeric("X", dimensions: [-1, 2], arrayClass: 9, storageType: 2, elementSize: 1, data: [1, 2])
        try expectError("mat-negative-dims", negative.file(), {
            .badHeader(path: $0, detail: "array element at byte 128: dimensions [-1, 2] are invalid")
        }, read)
    }

    @Test func svhnNaNInfAndWrongShapes() throws {
        let read = { (path: String) in _ = try SVHN.load(path: path) }
        var nanLabels = MATTestWriter()
        nanLabels.addNumeric("X", dimensions: [32, 32, 3, 1], arrayClass: 9, storageType: 2, elementSize: 1, data: [UInt8](repeating: 7, count: 3072))
        nanLabels.addNumeric("y", dimensions: [1, 1], arrayClass: 6, storageType: 9, elementSize: 8, data: formatsDoubleBytes(.nan))
        try expectError("svhn-nan-label", nanLabels.file(), { .labelOutOfRange(path: $0, index: 0, label: -1, validRange: "1...10") }, read)
        var infPixels = MATTestWriter()
        infPixels.addNumeric("X", dimensions: [32, 32, 3, 1], arrayClass: 6, storageType: 9, elementSize: 8,
                             data: (0..<3072).flatMap { formatsDoubleBytes($0 == 5 ? .infinity : 1) })
        infPixels.addNumeric("y", dimensions: [1, 1], arrayClass: 6, storageType: 2, elementSize: 1, data: [3])
        try expectError("svhn-inf-pixel", infPixels.file(), { .badHeader(path: $0, detail: "X holds inf, expected bytes 0...255") }, read)
        var wrongShape = MATTestWriter()
        wrongShape.addNumeric("X", dimensions: [28, 28, 1, 1], arrayClass: 9, storageType: 2, elementSize: 1, data: [UInt8](repeating: 0, count: 784))
        wrongShape.addNumeric("y", dimensions: [1, 1], arrayClass: 6, storageType: 2, elementSize: 1, data: [3])
        try expectError("svhn-shape", wrongShape.file(), { .badHeader(path: $0, detail: "X has dimensions [28, 28, 1, 1], expected [32, 32, 3, N]") }, read)
    }

    // MARK: CIFAR binary and STL-10

    @Test func cifarBinaryPartialRecordsAndLabelsOutOfRange() throws {
        let root = folder.file("cifar100")
        try folder.write("cifar100/cifar-100-binary/fine_label_names.txt", text: (0..<100).map { "c\($0)" }.joined(separator: "\n"))
        let batch = "\(root)/cifar-100-binary/test.bin"
        let read = { (_: String) in _ = try CIFARBinary.loadCIFAR100(root: root, train: false) }
        let record = [UInt8](repeating: 1, count: 3074)
        try expectError("cifar100/cifar-100-binary/test.bin", record + record.dropLast(), { _ in
            .truncated(path: batch, detail: "6147 bytes is not a whole number of 3074-byte records")
        }, read)
        try expectError("cifar100/cifar-100-binary/test.bin", [3, 100] + record.dropFirst(2), { _ in
            .labelOutOfRange(path: batch, index: 0, label: 100, validRange: "0..<100")
        }, read)
        try expectError("cifar100/cifar-100-binary/test.bin", [20, 5] + record.dropFirst(2), { _ in
            .labelOutOfRange(path: batch, index: 0, label: 20, validRange: "0..<20")
        }, read)
        try folder.write("cifar100/cifar-100-binary/test.bin", record)
        try expectError("cifar100/cifar-100-binary/fine_label_names.txt", Array((0..<99).map { "c\($0)" }.joined(separator: "\n").utf8), {
            .badHeader(path: $0, detail: "99 class names, expected 100")
        }, read)
    }

    @Test func stl10PartialImagesAndLabelMismatches() throws {
        let root = folder.file("stl")
        try folder.write("stl/class_names.txt", text: (0..<10).map { "c\($0)" }.joined(separator: "\n"))
        let read = { (_: String) in _ = try STL10.load(split: .test, root: root) }
        let image = [UInt8](repeating: 9, count: 27648)
        try folder.write("stl/test_y.bin", [1])
        try expectError("stl/test_X.bin", Array(image.dropLast()), {
            .truncated(path: $0, detail: "27647 bytes is not a whole number of 27648-byte images")
        }, read)
        try folder.write("stl/test_X.bin", image)
        try expectError("stl/test_y.bin", [1, 2], { .countMismatch(path: $0, images: 1, labels: 2) }, read)
        try expectError("stl/test_y.bin", [0], { .labelOutOfRange(path: $0, index: 0, label: 0, validRange: "1...10") }, read)
    }

    // MARK: pickles (pseudo-labels, unlabeled pools, CIFAR python batches)

    private func pickle(_ entries: [(String, PickleValue)]) -> [UInt8] {
        PickleWriter.write(.dict(entries.map { .init(.string($0.0), $0.1) }), bytesStyle: .python3Bytes)
    }

    @Test func pickleTruncatedAtEveryByteIsATruncationNamingTheFile() throws {
        let valid = PseudoLabelFile.encode(PseudoLabels(targets: [1, 2, 3], predictionModel: "m", groundTruth: [1, 2, 0]))
        for cut in 0..<valid.count {
            let path = try folder.write("pseudo-cut-\(cut)", Array(valid[..<cut]))
            do {
                _ = try PseudoLabelFile.read(path: path, numClasses: 10)
                Issue.record("a pickle cut at byte \(cut) of \(valid.count) was accepted")
            } catch let DataError.truncated(errorPath, detail) {
                #expect(errorPath == path && detail.contains("data ends early"), "cut \(cut): \(detail)")
            }
        }
    }

    @Test func pickleDuplicateKeysWrongDtypesLyingSizesAndNaN() throws {
        let targets = NumpyArray(int64: [1, 2]).pickleValue()
        let readLabels = { (path: String) in _ = try PseudoLabelFile.read(path: path, numClasses: 10) }
        try expectError("pseudo-duplicate", pickle([("extrapolated_targets", targets), ("extrapolated_targets", targets)]), {
            .badHeader(path: $0, detail: "'extrapolated_targets' appears 2 times in the dict")
        }, readLabels)
        try expectError("pseudo-duplicate-truth", pickle([("extrapolated_targets", targets), ("ground_truth", targets), ("ground_truth", targets)]), {
            .badHeader(path: $0, detail: "'ground_truth' appears 2 times in the dict")
        }, readLabels)
        let nan = NumpyArray(descr: "<f8", shape: [2], data: formatsDoubleBytes(.nan) + formatsDoubleBytes(1))
        try expectError("pseudo-nan", pickle([("extrapolated_targets", nan.pickleValue())]), {
            .badHeader(path: $0, detail: "'extrapolated_targets': expected an integer array, found dtype <f8")
        }, readLabels)

        let readPool = { (path: String) in _ = try UnlabeledPool.read(path: path, classNames: (0..<10).map(String.init)) }
        let floats = NumpyArray(descr: "<f4", shape: [2, 4, 4, 3], data: [UInt8](repeating: 0, count: 2 * 48 * 4))
        try expectError("pool-dtype", pickle([("data", floats.pickleValue()), ("extrapolated_targets", targets)]), {
            .badHeader(path: $0, detail: "'data' is <f4 [2, 4, 4, 3], expected uint8 [N, H, W, C]")
        }, readPool)
        let lying = NumpyArray(descr: "|u1", shape: [2, 4, 4, 3], data: [UInt8](repeating: 0, count: 50))
        try expectError("pool-lying", pickle([("data", lying.pickleValue()), ("extrapolated_targets", targets)]), {
            .badHeader(path: $0, detail: "'data': numpy array |u1 of shape [2, 4, 4, 3] needs 96 x 1 bytes, found 50")
        }, readPool)
        let huge = NumpyArray(descr: "|u1", shape: [0, 1 << 40, 1 << 40, 3], data: [])
        try expectError("pool-huge", pickle([("data", huge.pickleValue()), ("extrapolated_targets", NumpyArray(int64: []).pickleValue())]), {
            .badHeader(path: $0, detail: "'data' has images of \(1 << 40)x\(1 << 40)x3, expected sides of 1...65536 and 1...4 channels")
        }, readPool)

        let readCIFAR = { (path: String) in _ = try CIFARPickle.decodeBatch(FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? [],
                                                                          name: path, labelKey: "labels", numClasses: 10) }
        let int16 = NumpyArray(descr: "<i2", shape: [1, 3072], data: [UInt8](repeating: 0, count: 6144))
        try expectError("cifar-dtype", pickle([("data", int16.pickleValue()), ("labels", .list([.int(1)]))]), {
            .badHeader(path: $0, detail: "'data' is <i2 [1, 3072], expected uint8 [N, 3072]")
        }, readCIFAR)
    }

    @Test func hostilePickleNestingAndSharingAreRefusedWithoutCrashing() throws {
        let read = { (path: String) in _ = try PseudoLabelFile.read(path: path, numClasses: 10) }
        // A million lists, each appended to the one below: two bytes a level. Reading must reject
        // it, and releasing the half-built chain must not overflow the stack.
        let depth = 1_000_000
        let deep = [0x80, 0x02] + [UInt8](repeating: 0x5D, count: depth) + [UInt8](repeating: 0x61, count: depth - 1) + [0x2E]
        try expectError("deep.pkl", deep, { .badHeader(path: $0, detail: "objects nested more than 500 deep") }, read)
        // A list of two copies of a list of two copies ...: 2^60 values from a few hundred bytes.
        func get(_ index: Int) -> [UInt8] { [0x6A] + withUnsafeBytes(of: UInt32(index).littleEndian, Array.init) }
        var laughs: [UInt8] = [0x80, 0x02, 0x5D, 0x94, 0x30]  // [] memoized as 0, popped
        for level in 0..<60 {
            laughs += [0x28] + get(level) + get(level) + [0x6C, 0x94, 0x30]  // MARK, GET, GET, LIST, MEMOIZE, POP
        }
        laughs += get(60) + [0x2E]
        try expectError("laughs.pkl", laughs, {
            .badHeader(path: $0, detail: "shared references expand the pickle to more than \(1 << 22) values")
        }, read)
    }

    // MARK: list files and images

    @Test func listFilesWithBadLinesHugeLabelsAndBadText() throws {
        let read = { (path: String) in _ = try ImageList(listFile: path, root: "/data") }
        try expectError("list-no-label", Array("a.jpg 1\nb.jpg x\n".utf8), { .badHeader(path: $0, detail: "line 2 is not '<path> <integer label>'") }, read)
        try expectError("list-huge-label", Array("a.jpg 1\nb.jpg \(Int.max)\n".utf8), {
            .labelOutOfRange(path: $0, index: 1, label: Int.max, validRange: "0..<\(1 << 20)")
        }, read)
        try expectError("list-negative", Array("a.jpg 1\nb.jpg -1\n".utf8), { .labelOutOfRange(path: $0, index: 1, label: -1, validRange: "0..<2") }, read)
        try expectError("list-utf8", [0x61, 0x20, 0x31, 0x0A, 0xFF, 0xFE], { .undecodable(path: $0, detail: "list file is not valid UTF-8") }, read)
    }

    @Test func imagesWithoutSignatureOrWithBombDimensions() throws {
        let read = { (path: String) in _ = try DecodedImage.decodeFile(path) }
        try expectError("not-an-image", Array("GIF89a".utf8), { .undecodable(path: $0, detail: "neither a JPEG nor a PNG signature") }, read)
        // A 10000x10000 PNG header in 57 bytes: 100 million pixels claimed by a file that cannot hold them.
        var ihdr = withUnsafeBytes(of: UInt32(10_000).bigEndian, Array.init) + withUnsafeBytes(of: UInt32(10_000).bigEndian, Array.init)
        ihdr += [8, 2, 0, 0, 0]
        let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr) + pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00])
        try expectError("bomb.png", png, { .undecodable(path: $0, detail: "PNG: image dimensions out of range for the file size") }, read)
    }

    private func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = UInt32(body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
        return withUnsafeBytes(of: UInt32(data.count).bigEndian, Array.init) + body + withUnsafeBytes(of: crc.bigEndian, Array.init)
    }
}
