import Foundation
import Pickle
import Testing
@testable import TailData
import TestSupport

/// Runs python3 and returns its stdout.
private func poolPython(_ script: String) throws -> String {
    String(decoding: try PythonTorchRunner.output(script), as: UTF8.self)
}

private let poolClasses = (0..<10).map { "class\($0)" }

private func poolSample(count: Int) -> ImageSet {
    let images = (0..<(count * 32 * 32 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 / 97) }
    return ImageSet(images: images, labels: (0..<count).map { ($0 * 7) % 10 }, height: 32, width: 32, channels: 3,
                    classNames: poolClasses)
}

@Test func unlabeledPoolRoundTripsAndPythonReadsIt() throws {
    let temp = try TemporaryFolder("unlabeled-pool")
    defer { temp.remove() }
    let path = temp.file("ti_80M_selected.pickle")
    let pool = poolSample(count: 5)
    try UnlabeledPool.write(pool, to: path)
    #expect(try UnlabeledPool.read(path: path, classNames: poolClasses) == pool)
    let out = try poolPython("""
        import pickle
        d = pickle.load(open('\(path)', 'rb'))
        print(d['data'].dtype, d['data'].shape, int(d['data'].astype('int64').sum()), d['data'][4, 31, 30, 2],
              d['extrapolated_targets'].tolist())
        """)
    let sum = pool.images.reduce(0) { $0 + Int($1) }
    let lastIndex: Int = ((4 * 32 + 31) * 32 + 30) * 3 + 2
    let last = pool.images[lastIndex]
    #expect(out == "uint8 (5, 32, 32, 3) \(sum) \(last) [0, 7, 4, 1, 8]\n")
}

@Test func unlabeledPoolWrittenByPythonIsRead() throws {
    let temp = try TemporaryFolder("unlabeled-pool")
    defer { temp.remove() }
    let path = temp.file("pool.pickle")
    let raw = path + ".raw"
    _ = try poolPython("""
        import pickle, numpy as np
        rng = np.random.RandomState(1)
        data = rng.randint(0, 256, size=(6, 32, 32, 3)).astype(np.uint8)
        data.tofile('\(raw)')
        pickle.dump({'data': data, 'extrapolated_targets': np.array([3, 1, 4, 1, 5, 9]), 'ti_index': np.arange(6)},
                    open('\(path)', 'wb'))
        """)
    let pool = try UnlabeledPool.read(path: path, classNames: poolClasses)
    #expect(pool.labels == [3, 1, 4, 1, 5, 9])
    #expect(pool.images == (try [UInt8](Data(contentsOf: URL(fileURLWithPath: raw)))))
    #expect(throws: DataError.labelOutOfRange(path: path, index: 4, label: 5, validRange: "0..<5")) {
        _ = try UnlabeledPool.read(path: path, classNames: Array(poolClasses.prefix(5)))
    }
}

@Test func unlabeledPoolBadInputs() throws {
    let pool = poolSample(count: 2)
    let bytes = UnlabeledPool.encode(pool)
    #expect(throws: DataError.self) { _ = try UnlabeledPool.decode(Array(bytes.prefix(100)), name: "p", classNames: poolClasses) }
    let mismatch = PickleWriter.write(.dict([
        .init(.string("data"), NumpyArray(descr: "|u1", shape: [2, 32, 32, 3], data: pool.images).pickleValue()),
        .init(.string("extrapolated_targets"), .list([.int(1)])),
    ]), bytesStyle: .python3Bytes)
    #expect(throws: DataError.countMismatch(path: "p", images: 2, labels: 1)) {
        _ = try UnlabeledPool.decode(mismatch, name: "p", classNames: poolClasses)
    }
    let noTargets = PickleWriter.write(.dict([.init(.string("data"), .none)]), bytesStyle: .python3Bytes)
    #expect(throws: DataError.badHeader(path: "p", detail: "'data': expected a numpy array, found None")) {
        _ = try UnlabeledPool.decode(noTargets, name: "p", classNames: poolClasses)
    }
    #expect(throws: DataError.missingFile(path: "/nonexistent/pool.pickle")) {
        _ = try UnlabeledPool.read(path: "/nonexistent/pool.pickle", classNames: poolClasses)
    }
}

@Test func pseudoLabelsRoundTripAndMatchPython() throws {
    let temp = try TemporaryFolder("unlabeled-pool")
    defer { temp.remove() }
    let path = temp.file("pseudo_labeled_svhn.pickle")
    let labels = PseudoLabels(targets: [0, 9, 3, 3], predictionModel: "checkpoints/ckpt.best.pth.tar", groundTruth: [0, 8, 3, 2])
    try PseudoLabelFile.write(labels, to: path)
    #expect(try PseudoLabelFile.read(path: path, numClasses: 10) == labels)
    let out = try poolPython("""
        import pickle
        d = pickle.load(open('\(path)', 'rb'))
        print(d['extrapolated_targets'].dtype, d['extrapolated_targets'].tolist(), d['prediction_model'], d['ground_truth'].tolist())
        """)
    #expect(out == "int64 [0, 9, 3, 3] checkpoints/ckpt.best.pth.tar [0, 8, 3, 2]\n")

    let pyPath = temp.file("pseudo_labeled_cifar.pickle")
    _ = try poolPython("""
        import pickle, numpy as np
        pickle.dump({'extrapolated_targets': np.array([2, 7, 7], dtype=np.int64), 'prediction_model': 'm.pth'},
                    open('\(pyPath)', 'wb'))
        """)
    #expect(try PseudoLabelFile.read(path: pyPath, numClasses: 10) == PseudoLabels(targets: [2, 7, 7], predictionModel: "m.pth"))
    #expect(throws: DataError.labelOutOfRange(path: pyPath, index: 1, label: 7, validRange: "0..<5")) {
        _ = try PseudoLabelFile.read(path: pyPath, numClasses: 5)
    }
    let noTargets = PickleWriter.write(.dict([.init(.string("prediction_model"), .string("x"))]), bytesStyle: .python3Bytes)
    #expect(throws: DataError.badHeader(path: "q", detail: "no 'extrapolated_targets' entry")) {
        _ = try PseudoLabelFile.decode(noTargets, name: "q", numClasses: 10)
    }
}
