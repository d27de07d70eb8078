import Testing
@testable import TailData
import TestSupport

/// Random CIFAR images and labels, with their records in the published CHW layout.
private struct CIFARFixtureBatch {
    var hwc: [UInt8] = []
    var labels: [[UInt8]] = []  // per record: the label bytes as stored
    var records: [UInt8] = []

    init(count: Int, labelLimits: [Int], seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<count {
            let image = (0..<3072).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let label = labelLimits.map { UInt8(generator.int(below: $0)) }
            labels.append(label)
            records += label
            for c in 0..<3 {
                for p in 0..<1024 { records.append(image[p * 3 + c]) }
            }
            hwc += image
        }
    }
}

private let cifar10Names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

@Suite struct CIFARBinaryTests {
    private func writeCIFAR10(into folder: TemporaryFolder, under dir: String) throws -> [CIFARFixtureBatch] {
        let batches = (0..<6).map { CIFARFixtureBatch(count: 3 + $0, labelLimits: [10], seed: UInt64(20 + $0)) }
        for i in 0..<5 { try folder.write("\(dir)/data_batch_\(i + 1).bin", batches[i].records) }
        try folder.write("\(dir)/test_batch.bin", batches[5].records)
        try folder.write("\(dir)/batches.meta.txt", text: cifar10Names.joined(separator: "\n") + "\n\n")
        return batches
    }

    @Test func cifar10FolderDecodesToHWC() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let batches = try writeCIFAR10(into: folder, under: "cifar-10-batches-bin")
        for root in [folder.path, folder.file("cifar-10-batches-bin")] {
            let train = try CIFARBinary.loadCIFAR10(root: root, train: true)
            #expect(train.images == batches[0..<5].flatMap(\.hwc))
            #expect(train.labels == batches[0..<5].flatMap { $0.labels.map { Int($0[0]) } })
            #expect((train.height, train.width, train.channels, train.classNames) == (32, 32, 3, cifar10Names))
            let test = try CIFARBinary.loadCIFAR10(root: root, train: false)
            #expect(test.images == batches[5].hwc && test.count == 8)
        }
    }

    @Test func cifar100FolderFineAndCoarse() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let batch = CIFARFixtureBatch(count: 9, labelLimits: [20, 100], seed: 30)
        try folder.write("cifar-100-binary/train.bin", batch.records)
        try folder.write("cifar-100-binary/fine_label_names.txt", text: (0..<100).map { "f\($0)" }.joined(separator: "\n"))
        try folder.write("cifar-100-binary/coarse_label_names.txt", text: (0..<20).map { "c\($0)" }.joined(separator: "\r\n"))
        let fine = try CIFARBinary.loadCIFAR100(root: folder.path, train: true)
        #expect(fine.images == batch.hwc && fine.labels == batch.labels.map { Int($0[1]) } && fine.numClasses == 100)
        let coarse = try CIFARBinary.loadCIFAR100(root: folder.path, train: true, labels: .coarse)
        #expect(coarse.labels == batch.labels.map { Int($0[0]) } && coarse.classNames.last == "c19")
        #expect(throws: DataError.missingFile(path: folder.file("cifar-100-binary/test.bin"))) {
            try CIFARBinary.loadCIFAR100(root: folder.path, train: false)
        }
    }

    @Test func publishedArchivesAreReadDirectly() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let batches = (0..<6).map { CIFARFixtureBatch(count: 2, labelLimits: [10], seed: UInt64(40 + $0)) }
        var tar = FormatsTarWriter()
        tar.addDirectory("cifar-10-batches-bin/")
        tar.addFile("cifar-10-batches-bin/batches.meta.txt", Array(cifar10Names.joined(separator: "\n").utf8))
        for i in 0..<5 { tar.addFile("cifar-10-batches-bin/data_batch_\(i + 1).bin", batches[i].records) }
        tar.addFile("cifar-10-batches-bin/test_batch.bin", batches[5].records)
        let archive = try folder.write("cifar-10-binary.tar.gz", FormatsDeflate.gzip(tar.finished()))
        let train = try CIFARBinary.loadCIFAR10(archive: archive, train: true)
        #expect(train.images == batches[0..<5].flatMap(\.hwc) && train.count == 10)
        #expect(try CIFARBinary.loadCIFAR10(archive: archive, train: false).images == batches[5].hwc)

        let batch = CIFARFixtureBatch(count: 4, labelLimits: [20, 100], seed: 50)
        var tar100 = FormatsTarWriter()
        tar100.addFile("cifar-100-binary/test.bin", batch.records)
        tar100.addFile("cifar-100-binary/fine_label_names.txt", Array((0..<100).map { "f\($0)" }.joined(separator: "\n").utf8))
        let archive100 = try folder.write("cifar-100-binary.tar.gz", FormatsDeflate.gzip(tar100.finished()))
        let test = try CIFARBinary.loadCIFAR100(archive: archive100, train: false)
        #expect(test.images == batch.hwc && test.labels == batch.labels.map { Int($0[1]) })
        #expect(throws: DataError.missingFile(path: "\(archive100) (member train.bin)")) {
            try CIFARBinary.loadCIFAR100(archive: archive100, train: true)
        }
    }

    @Test func rejectsBadInput() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        _ = try writeCIFAR10(into: folder, under: "c10")
        let root = folder.file("c10")
        var records = CIFARFixtureBatch(count: 3, labelLimits: [10], seed: 60).records
        try folder.write("c10/test_batch.bin", Array(records.dropLast()))
        #expect(throws: DataError.truncated(path: folder.file("c10/test_batch.bin"),
                                            detail: "9218 bytes is not a whole number of 3073-byte records")) {
            try CIFARBinary.loadCIFAR10(root: root, train: false)
        }
        records[3073] = 10
        try folder.write("c10/test_batch.bin", records)
        #expect(throws: DataError.labelOutOfRange(path: folder.file("c10/test_batch.bin"), index: 1, label: 10,
                                                  validRange: "0..<10")) {
            try CIFARBinary.loadCIFAR10(root: root, train: false)
        }
        try folder.write("c10/batches.meta.txt", text: "a\nb\n")
        #expect(throws: DataError.badHeader(path: folder.file("c10/batches.meta.txt"), detail: "2 class names, expected 10")) {
            try CIFARBinary.loadCIFAR10(root: root, train: false)
        }
        #expect(throws: DataError.missingFile(path: folder.file("none/batches.meta.txt"))) {
            try CIFARBinary.loadCIFAR10(root: folder.file("none"), train: true)
        }
        let garbage = try folder.write("garbage.tar.gz", formatsRandomBytes(5000, seed: 61))
        #expect(throws: DataError.self) { try CIFARBinary.loadCIFAR10(archive: garbage, train: true) }
    }

    @Test func coarseLabelOutOfRangeIsReportedEvenWhenFineIsUsed() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        var batch = CIFARFixtureBatch(count: 2, labelLimits: [20, 100], seed: 70)
        batch.records[3074] = 20
        try folder.write("train.bin", batch.records)
        try folder.write("fine_label_names.txt", text: (0..<100).map { "f\($0)" }.joined(separator: "\n"))
        #expect(throws: DataError.labelOutOfRange(path: folder.file("train.bin"), index: 1, label: 20, validRange: "0..<20")) {
            try CIFARBinary.loadCIFAR100(root: folder.path, train: true)
        }
    }
}
