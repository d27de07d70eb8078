import Foundation
import Pickle
import Testing
import TestSupport
@testable import TorchFile

/// Checkpoints cut at every zip structure boundary, with a corrupt storage, a storage type torch
/// cannot hold, and a tensor whose size claims more than its storage: each read from disk gives
/// exactly the typed error listed, naming the file.
@Suite struct MalformedTorchFileTests {
    private let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder("tk-malformed-torch") }

    private func expectError(_ name: String, _ bytes: [UInt8], _ expected: (String) -> TorchFileError,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = try folder.write(name, bytes)
        #expect(throws: expected(path), "\(name)", sourceLocation: sourceLocation) { _ = try TorchFile.load(path: path) }
    }

    @Test func zipCutAtEveryStructureBoundary() throws {
        let good = try TorchFile.encode(.stateDict([("w", StoredTensor(float32: [1, 2, 3], shape: [3]))]))
        let zip = try TorchZipReader(bytes: good, path: "mem")
        // Each entry's local header and data start, the central directory, the end record, the last byte.
        var cuts = zip.entries.flatMap { [$0.dataOffset - 30 - $0.name.utf8.count - 4, $0.dataOffset, $0.dataOffset + $0.size] }
        cuts += [good.count - 22, good.count - 1]
        for cut in Set(cuts).sorted() where cut > 4 {
            try expectError("cut-\(cut).pth", Array(good[..<cut])) { .notAZipArchive(path: $0, detail: "no end-of-central-directory record") }
        }
        var corrupt = good
        let storage = try #require(zip.entries.first { $0.name.hasSuffix("data/0") })
        corrupt[storage.dataOffset] ^= 0xFF
        try expectError("crc.pth", corrupt) { .notAZipArchive(path: $0, detail: "CRC mismatch in '\(storage.name)', the file is corrupt") }
    }

    private func tensorArchive(storageType: String, elementCount: Int, shape: [Int], strides: [Int]? = nil,
                               storageBytes: Int) throws -> [UInt8] {
        var writer = TorchZipWriter()
        let pid = PickleValue.persistentID(.tuple([.string("storage"), .global(module: "torch", name: storageType),
                                                   .string("0"), .string("cpu"), .int(Int64(elementCount))]))
        let strides = (strides ?? StoredTensor.contiguousStrides(for: shape)).map { PickleValue.int(Int64($0)) }
        try writer.add("archive/data.pkl", PickleWriter.write(.call("torch._utils", "_rebuild_tensor_v2", [
            pid, .int(0), .tuple(shape.map { .int(Int64($0)) }), .tuple(strides), .bool(false), .call("collections", "OrderedDict", []),
        ])))
        try writer.add("archive/data/0", [UInt8](repeating: 0, count: storageBytes))
        return try writer.finish()
    }

    @Test func wrongStorageTypesAndLyingSizes() throws {
        try expectError("complex.pth", try tensorArchive(storageType: "ComplexFloatStorage", elementCount: 2, shape: [2], storageBytes: 16)) {
            .unsupportedGlobal(path: $0, name: "torch.ComplexFloatStorage (storage type)")
        }
        try expectError("lying.pth", try tensorArchive(storageType: "FloatStorage", elementCount: 2, shape: [1 << 40], storageBytes: 8)) {
            .badTensor(path: $0, detail: "storage 0: view reaches element \((1 << 40) - 1) of a storage with 2")
        }
        try expectError("huge.pth", try tensorArchive(storageType: "FloatStorage", elementCount: 2, shape: [1 << 40, 1 << 40], strides: [1, 1], storageBytes: 8)) {
            .badTensor(path: $0, detail: "storage 0: shape [\(1 << 40), \(1 << 40)] has more elements than any storage holds")
        }
    }
}
