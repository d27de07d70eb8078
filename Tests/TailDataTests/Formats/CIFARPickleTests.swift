import Foundation
import Pickle
import Testing
@testable import TailData
import TestSupport

/// Runs a Python snippet with the project's numpy; a failure throws with Python's standard error.
private func cifarPython(_ script: String) throws {
    _ = try TestPython.run(script)
}

/// Python 2 `str` keys and values, as cPickle wrote CIFAR.
private func cifarKey(_ s: String) -> PickleValue { .bytes(Array(s.utf8)) }

/// A batch pickle the way CIFAR's were written: protocol 2, byte-string keys, uint8 [N, 3072] planar data.
private func cifarBatchBytes(planar: [UInt8], labels: [Int], labelKey: String = "labels",
                             extra: [PickleValue.Pair] = []) -> [UInt8] {
    let data = NumpyArray(descr: "|u1", shape: [planar.count / 3072, 3072], data: planar)
    let root = PickleValue.dict([
        .init(cifarKey("batch_label"), cifarKey("training batch 1 of 5")),
        .init(cifarKey(labelKey), .list(labels.map { .int(Int64($0)) })),
        .init(cifarKey("data"), data.pickleValue()),
    ] + extra)
    return PickleWriter.write(root, bytesStyle: .python2String)
}

private func cifarMetaBytes(_ entries: [(String, [String])]) -> [UInt8] {
    PickleWriter.write(.dict(entries.map { .init(cifarKey($0.0), .list($0.1.map(cifarKey))) }), bytesStyle: .python2String)
}

/// Planar test pixels that differ per image, plane and position.
private func cifarPlanar(images: Int, seed: Int) -> [UInt8] {
    (0..<(images * 3072)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ $0 / 1024) }
}

/// The independent per-pixel definition of the conversion: HWC(y, x, c) = planar[c * 1024 + y * 32 + x].
private func cifarExpectHWC(_ set: ImageSet, image: Int, planar: [UInt8], planarImage: Int) {
    let img = Array(set.image(image))
    var mismatches = 0
    for y in 0..<32 {
        for x in 0..<32 {
            for c in 0..<3 where img[(y * 32 + x) * 3 + c] != planar[planarImage * 3072 + c * 1024 + y * 32 + x] {
                mismatches += 1
            }
        }
    }
    #expect(mismatches == 0, "image \(image)")
}

private func cifarWrite(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

private let cifarNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

private func cifarMakeTen(_ root: String, perBatch: Int = 2) throws -> [[UInt8]] {
    let folder = root + "/cifar-10-batches-py"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try cifarWrite(cifarMetaBytes([("label_names", cifarNames)]), folder + "/batches.meta")
    var planars: [[UInt8]] = []
    for (i, file) in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"].enumerated() {
        let planar = cifarPlanar(images: perBatch, seed: i)
        planars.append(planar)
        let labels = (0..<perBatch).map { (i + $0 * 3) % 10 }
        try cifarWrite(cifarBatchBytes(planar: planar, labels: labels), folder + "/" + file)
    }
    return planars
}

@Test func cifar10FromCraftedPython2Pickles() throws {
    let temp = try TemporaryFolder("cifar-pickle")
    defer { temp.remove() }
    let root = temp.path
    let planars = try cifarMakeTen(root)
    let train = try CIFARPickle.load(root: root, cifar100: false, train: true)
    #expect(train.count == 10 && train.classNames == cifarNames)
    #expect(train.height == 32 && train.width == 32 && train.channels == 3)
    #expect(train.labels == [0, 3, 1, 4, 2, 5, 3, 6, 4, 7])
    for i in 0..<10 { cifarExpectHWC(train, image: i, planar: planars[i / 2], planarImage: i % 2) }
    let test = try CIFARPickle.load(root: root, cifar100: false, train: false)
    #expect(test.labels == [5, 8])
    cifarExpectHWC(test, image: 1, planar: planars[5], planarImage: 1)
}

@Test func cifarFromRealPythonPickleMatchesNumpyTranspose() throws {
    let temp = try TemporaryFolder("cifar-pickle")
    defer { temp.remove() }
    let root = temp.path
    let folder = root + "/cifar-10-batches-py"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try cifarPython("""
        import pickle, numpy as np
        rng = np.random.RandomState(3)
        names = [n.encode() for n in \(cifarNames.description.replacingOccurrences(of: "\"", with: "'"))]
        pickle.dump({b'num_cases_per_batch': 4, b'label_names': names}, open('\(folder)/batches.meta', 'wb'), protocol=2)
        hwc = []
        for f in ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']:
            data = rng.randint(0, 256, size=(4, 3072)).astype(np.uint8)
            labels = [int(x) for x in rng.randint(0, 10, size=4)]
            pickle.dump({b'batch_label': b'x', b'labels': labels, b'data': data,
                         b'filenames': [b'a.png'] * 4}, open('\(folder)/' + f, 'wb'), protocol=2)
            if f != 'test_batch':
                hwc.append(data.reshape(4, 3, 32, 32).transpose(0, 2, 3, 1))
                open('\(root)/labels', 'a').write(' '.join(map(str, labels)) + ' ')
        np.concatenate(hwc).tofile('\(root)/expected_hwc')
        """)
    let train = try CIFARPickle.load(root: root, cifar100: false, train: true)
    let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/expected_hwc")))
    let labels = try String(contentsOfFile: root + "/labels", encoding: .utf8).split(separator: " ").compactMap { Int($0) }
    #expect(train.count == 20)
    #expect(train.images == expected)
    #expect(train.labels == labels)
    #expect(train.classNames == cifarNames)
}

@Test func cifar100KeepsFineAndCoarseLabels() throws {
    let temp = try TemporaryFolder("cifar-pickle")
    defer { temp.remove() }
    let root = temp.path
    let folder = root + "/cifar-100-python"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let fine = (0..<100).map { "fine\($0)" }, coarse = (0..<20).map { "coarse\($0)" }
    try cifarWrite(cifarMetaBytes([("fine_label_names", fine), ("coarse_label_names", coarse)]), folder + "/meta")
    let planar = cifarPlanar(images: 3, seed: 9)
    let coarseLabels: [PickleValue] = [.int(19), .int(0), .int(4)]
    try cifarWrite(cifarBatchBytes(planar: planar, labels: [99, 0, 42], labelKey: "fine_labels",
                                   extra: [.init(cifarKey("coarse_labels"), .list(coarseLabels))]), folder + "/train")
    let split = try CIFARPickle.loadCIFAR100(root: root, train: true)
    #expect(split.images.labels == [99, 0, 42] && split.images.classNames == fine)
    #expect(split.coarseLabels == [19, 0, 4] && split.coarseClassNames == coarse)
    cifarExpectHWC(split.images, image: 2, planar: planar, planarImage: 2)
    #expect(try CIFARPickle.load(root: root, cifar100: true, train: true) == split.images)
    #expect(throws: DataError.missingFile(path: folder + "/test")) {
        _ = try CIFARPickle.load(root: root, cifar100: true, train: false)
    }
}

@Test func cifarFromInMemoryEntries() throws {
    let planar = cifarPlanar(images: 1, seed: 1)
    let files = [
        "cifar-10-batches-py/batches.meta": cifarMetaBytes([("label_names", cifarNames)]),
        "cifar-10-batches-py/test_batch": cifarBatchBytes(planar: planar, labels: [7]),
    ]
    let set = try CIFARPickle.load(cifar100: false, train: false, displayRoot: "cifar-10-python.tar.gz") { files[$0] }
    #expect(set.labels == [7])
    cifarExpectHWC(set, image: 0, planar: planar, planarImage: 0)
    #expect(throws: DataError.missingFile(path: "cifar-10-python.tar.gz/cifar-10-batches-py/data_batch_1")) {
        _ = try CIFARPickle.load(cifar100: false, train: true, displayRoot: "cifar-10-python.tar.gz") { files[$0] }
    }
}

@Test func cifarBadInputsNameTheFile() throws {
    let planar = cifarPlanar(images: 2, seed: 0)
    let good = cifarBatchBytes(planar: planar, labels: [1, 2])
    #expect {
        _ = try CIFARPickle.decodeBatch(Array(good.prefix(good.count / 2)), name: "b1", labelKey: "labels", numClasses: 10)
    } throws: { error in
        guard case DataError.truncated(let path, _)? = error as? DataError else { return false }
        return path == "b1"
    }
    let noData = PickleWriter.write(.dict([.init(cifarKey("labels"), .list([.int(1)]))]))
    #expect(throws: DataError.badHeader(path: "b2", detail: "no 'data' entry")) {
        _ = try CIFARPickle.decodeBatch(noData, name: "b2", labelKey: "labels", numClasses: 10)
    }
    #expect(throws: DataError.countMismatch(path: "b3", images: 2, labels: 3)) {
        _ = try CIFARPickle.decodeBatch(cifarBatchBytes(planar: planar, labels: [1, 2, 3]),
                                        name: "b3", labelKey: "labels", numClasses: 10)
    }
    #expect(throws: DataError.labelOutOfRange(path: "b4", index: 1, label: 10, validRange: "0..<10")) {
        _ = try CIFARPickle.decodeBatch(cifarBatchBytes(planar: planar, labels: [1, 10]), name: "b4",
                                        labelKey: "labels", numClasses: 10)
    }
    let wrongShape = PickleWriter.write(.dict([
        .init(cifarKey("labels"), .list([.int(1)])),
        .init(cifarKey("data"), NumpyArray(descr: "|u1", shape: [1, 100], data: [UInt8](repeating: 0, count: 100)).pickleValue()),
    ]))
    #expect(throws: DataError.self) {
        _ = try CIFARPickle.decodeBatch(wrongShape, name: "b5", labelKey: "labels", numClasses: 10)
    }
    #expect(throws: DataError.missingFile(path: "/nonexistent/cifar-10-batches-py/batches.meta")) {
        _ = try CIFARPickle.load(root: "/nonexistent", cifar100: false, train: true)
    }
}
