import Foundation
import Testing
import TestSupport
@testable import TailKit
import TailData

/// The catalog finds each data set in its published layout under --data-dir and builds the
/// reference's long-tailed split from it.
@Suite struct DatasetCatalogTests {
    /// cifar-10-batches-bin with `perClass` images of each class in every batch file, in a new temporary
    /// folder that the caller removes.
    private func writeCIFAR10Binary(perClass: Int) throws -> String {
        let root = try TemporaryFolder("tk-cifar").path
        let dir = root + "/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        try (names.joined(separator: "\n") + "\n").write(toFile: "\(dir)/batches.meta.txt", atomically: true, encoding: .utf8)
        for file in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            var bytes: [UInt8] = []
            for c in 0..<10 { for i in 0..<perClass { bytes.append(UInt8(c)); bytes += [UInt8](repeating: UInt8((c * 17 + i) % 256), count: 3072) } }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(file)"))
        }
        return root
    }

    @Test func cifar10BinaryFolderAndLongTailedSplit() throws {
        let root = try writeCIFAR10Binary(perClass: 20)
        defer { TemporaryFolder.remove(root) }
        let data = try LoadedDataset.load(.cifar10, dataDir: root)
        #expect(data.train.count == 1000 && data.test.count == 200 && data.train.classNames[9] == "truck")
        let lt = try data.longTailed(imbFactor: 0.1, imbType: "exp", seed: 0)
        // n_i = int(100 * 0.1^(i/9)), the reference rule with n_max = 1000 / 10.
        #expect(lt.counts == [100, 77, 59, 46, 35, 27, 21, 16, 12, 10])
        #expect(lt.set.classCounts() == lt.counts)
    }

    @Test func missingFilesAndBadOptionsAreClearErrors() throws {
        let emptyFolder = try TemporaryFolder("tk-empty")
        defer { emptyFolder.remove() }
        let empty = emptyFolder.path
        do {
            _ = try LoadedDataset.load(.cifar10, dataDir: empty)
            Issue.record("loaded CIFAR-10 from an empty folder")
        } catch {
            #expect("\(error)".contains(empty) && "\(error)".contains("cifar-10-batches-py"))
        }
        #expect(throws: TailKitError.self) { try LoadedDataset.load(.svhn, dataDir: nil) }
        let root = try writeCIFAR10Binary(perClass: 2)
        defer { TemporaryFolder.remove(root) }
        let data = try LoadedDataset.load(.cifar10, dataDir: root)
        #expect(throws: TailKitError.self) { try data.longTailed(imbFactor: 2, imbType: "exp", seed: 0) }
        #expect(throws: TailKitError.self) { try data.longTailed(imbFactor: 0.1, imbType: "zipf", seed: 0) }
    }
}
