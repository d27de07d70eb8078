import Testing
@testable import TailData
import TestSupport

/// STL-10 images in HWC and the same in the published layout (per channel, column-major).
private struct STL10Fixture {
    var hwc: [UInt8]
    var count: Int

    init(count: Int, seed: UInt64) {
        self.count = count
        hwc = formatsRandomBytes(count * 27_648, seed: seed)
    }

    var published: [UInt8] {
        var out = [UInt8](repeating: 0, count: hwc.count)
        for n in 0..<count { for c in 0..<3 { for h in 0..<96 { for w in 0..<96 {
            out[n * 27_648 + c * 9216 + w * 96 + h] = hwc[n * 27_648 + (h * 96 + w) * 3 + c]
        } } } }
        return out
    }
}

private let stlNames = ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"]

@Suite struct STL10Tests {
    private func writeFolder(_ folder: TemporaryFolder, train: STL10Fixture, labels: [UInt8]) throws {
        try folder.write("stl10_binary/train_X.bin", train.published)
        try folder.write("stl10_binary/train_y.bin", labels)
        try folder.write("stl10_binary/class_names.txt", text: stlNames.joined(separator: "\n") + "\n")
    }

    @Test func decodesColumnMajorPlanesToHWC() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let train = STL10Fixture(count: 4, seed: 100)
        try writeFolder(folder, train: train, labels: [1, 10, 5, 1])
        let unlabeled = STL10Fixture(count: 3, seed: 101)
        try folder.write("stl10_binary/unlabeled_X.bin", unlabeled.published)
        for root in [folder.path, folder.file("stl10_binary")] {
            let set = try STL10.load(split: .train, root: root)
            #expect(set.images == train.hwc)
            #expect(set.labels == [0, 9, 4, 0])
            #expect((set.height, set.width, set.channels, set.classNames) == (96, 96, 3, stlNames))
        }
        let pool = try STL10.load(split: .unlabeled, root: folder.path)
        #expect(pool.images == unlabeled.hwc && pool.labels == [-1, -1, -1])
    }

    @Test func orientationOfOneImage() throws {
        // A single bright pixel at row 2, column 7 of the red channel lands at plane index 7 * 96 + 2.
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        var published = [UInt8](repeating: 0, count: 27_648)
        published[7 * 96 + 2] = 255
        try folder.write("test_X.bin", published)
        try folder.write("test_y.bin", [3])
        try folder.write("class_names.txt", text: stlNames.joined(separator: "\n"))
        let set = try STL10.load(split: .test, root: folder.path)
        #expect(set.images[(2 * 96 + 7) * 3] == 255 && set.images.reduce(0) { $0 + Int($1) } == 255)
    }

    @Test func rejectsBadInput() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let train = STL10Fixture(count: 2, seed: 102)
        try writeFolder(folder, train: train, labels: [1, 0])
        let labels = folder.file("stl10_binary/train_y.bin")
        #expect(throws: DataError.labelOutOfRange(path: labels, index: 1, label: 0, validRange: "1...10")) {
            try STL10.load(split: .train, root: folder.path)
        }
        try folder.write("stl10_binary/train_y.bin", [1, 2, 3])
        #expect(throws: DataError.countMismatch(path: labels, images: 2, labels: 3)) {
            try STL10.load(split: .train, root: folder.path)
        }
        try folder.write("stl10_binary/train_X.bin", Array(train.published.dropLast(5)))
        #expect(throws: DataError.self) { try STL10.load(split: .train, root: folder.path) }
        #expect(throws: DataError.missingFile(path: folder.file("stl10_binary/test_X.bin"))) {
            try STL10.load(split: .test, root: folder.path)
        }
        try folder.write("stl10_binary/class_names.txt", text: "one\ntwo")
        #expect(throws: DataError.badHeader(path: folder.file("stl10_binary/class_names.txt"),
                                            detail: "2 class names, expected 10")) {
            try STL10.load(split: .train, root: folder.path)
        }
    }
}
