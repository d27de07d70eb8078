import Testing
@testable import TailData
import TestSupport

/// IDX bytes: magic, big-endian sizes, data.
private func idxFile(magic: UInt32, dimensions: [Int], data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    for word in [magic] + dimensions.map(UInt32.init) {
        bytes += [UInt8(word >> 24), UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)]
    }
    return bytes + data
}

private let tenNames = (0..<10).map { "class\($0)" }

@Suite struct IDXTests {
    @Test(arguments: [false, true])
    func loadsImagesAndLabels(gzipped: Bool) throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let pixels = formatsRandomBytes(7 * 5 * 3, seed: 11)
        let labels: [UInt8] = [3, 0, 9, 9, 1, 2, 5]
        let wrap: ([UInt8]) -> [UInt8] = { gzipped ? FormatsDeflate.gzip($0) : $0 }
        let images = try folder.write("img", wrap(idxFile(magic: 0x803, dimensions: [7, 5, 3], data: pixels)))
        let labelPath = try folder.write("lab", wrap(idxFile(magic: 0x801, dimensions: [7], data: labels)))
        let set = try IDX.loadImageSet(images: images, labels: labelPath, classNames: tenNames)
        #expect(set.count == 7)
        #expect((set.height, set.width, set.channels) == (5, 3, 1))
        #expect(set.images == pixels)
        #expect(set.labels == labels.map(Int.init))
        #expect(set.classNames == tenNames)
    }

    @Test func standardSplitAcceptsGzippedAndPlainNames() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let pixels = formatsRandomBytes(2 * 28 * 28, seed: 12)
        try folder.write("train-images-idx3-ubyte.gz", FormatsDeflate.gzip(idxFile(magic: 0x803, dimensions: [2, 28, 28], data: pixels)))
        try folder.write("train-labels-idx1-ubyte", idxFile(magic: 0x801, dimensions: [2], data: [4, 7]))
        let set = try MNIST.load(train: true, root: folder.path)
        #expect(set.images == pixels && set.labels == [4, 7] && set.classNames[7] == "7")
        #expect(throws: DataError.missingFile(path: folder.file("t10k-images-idx3-ubyte.gz"))) {
            try MNIST.load(train: false, root: folder.path)
        }
    }

    @Test func zeroPaddingCentresTheImage() throws {
        let set = ImageSet(images: [1, 2, 3, 4], labels: [0], height: 2, width: 2, channels: 1, classNames: ["a"])
        let padded = try IDX.zeroPadded(set, height: 4, width: 4)
        #expect(padded.images == [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0])
        #expect((padded.height, padded.width) == (4, 4))
        #expect(throws: DataError.self) { try IDX.zeroPadded(set, height: 1, width: 4) }
    }

    @Test func rejectsBadInput() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let images = try folder.write("img", idxFile(magic: 0x803, dimensions: [3, 2, 2], data: [UInt8](repeating: 1, count: 12)))
        let labels = try folder.write("lab", idxFile(magic: 0x801, dimensions: [3], data: [0, 1, 2]))
        let wrongMagic = try folder.write("wm", idxFile(magic: 0x802, dimensions: [3], data: [0, 1, 2]))
        #expect(throws: DataError.badHeader(path: wrongMagic, detail: "IDX magic is 0x00000802, expected 0x00000801")) {
            try IDX.loadImageSet(images: images, labels: wrongMagic, classNames: tenNames)
        }
        let short = try folder.write("short", idxFile(magic: 0x803, dimensions: [3, 2, 2], data: [UInt8](repeating: 1, count: 11)))
        #expect(throws: DataError.truncated(path: short, detail: "dimensions [3, 2, 2] need 12 data bytes, file has 11")) {
            try IDX.loadImageSet(images: short, labels: labels, classNames: tenNames)
        }
        let headerOnly = try folder.write("h", [0, 0, 8, 3, 0, 0])
        #expect(throws: DataError.truncated(path: headerOnly, detail: "IDX header needs 16 bytes")) {
            try IDX.loadImageSet(images: headerOnly, labels: labels, classNames: tenNames)
        }
        let tooMany = try folder.write("many", idxFile(magic: 0x801, dimensions: [4], data: [0, 1, 2, 3]))
        #expect(throws: DataError.countMismatch(path: images, images: 3, labels: 4)) {
            try IDX.loadImageSet(images: images, labels: tooMany, classNames: tenNames)
        }
        #expect(throws: DataError.labelOutOfRange(path: labels, index: 2, label: 2, validRange: "0..<2")) {
            try IDX.loadImageSet(images: images, labels: labels, classNames: ["a", "b"])
        }
        #expect(throws: DataError.missingFile(path: folder.file("absent"))) {
            try IDX.loadImageSet(images: folder.file("absent"), labels: labels, classNames: tenNames)
        }
        let hugeDims = try folder.write("huge", idxFile(magic: 0x803, dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], data: []))
        #expect(throws: DataError.self) {
            try IDX.loadImageSet(images: hugeDims, labels: labels, classNames: tenNames)
        }
    }

    @Test func neverCrashesOnGarbage() throws {
        for seed in UInt64(0)..<40 {
            let garbage = formatsRandomBytes(Int(seed) * 13, seed: seed)
            #expect(throws: DataError.self) { try IDX.parseArray(garbage, path: "g", magic: IDX.imagesMagic) }
            let withMagic = [0, 0, 8, 3] + garbage
            #expect(throws: DataError.self) { try IDX.parseArray(withMagic, path: "g", magic: IDX.imagesMagic) }
        }
    }

    /// The real Fashion-MNIST files installed on this machine.
    @Test(.enabled(if: DatasetFileIO.exists(FashionMNIST.defaultRoot)))
    func realFashionMNIST() throws {
        let train = try FashionMNIST.load(train: true)
        #expect(train.count == 60_000)
        #expect((train.height, train.width, train.channels) == (28, 28, 1))
        #expect(train.classCounts() == [Int](repeating: 6000, count: 10))
        #expect(train.classNames.first == "T-shirt/top" && train.classNames.last == "Ankle boot")
        let test = try FashionMNIST.load(train: false, padTo32: true)
        #expect(test.count == 10_000 && test.classCounts() == [Int](repeating: 1000, count: 10))
        #expect((test.height, test.width) == (32, 32))
        #expect(test.image(0).prefix(64).allSatisfy { $0 == 0 })  // the two padding rows
    }
}
