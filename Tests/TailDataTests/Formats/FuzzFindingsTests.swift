import Foundation
import Testing
@testable import TailData

/// Every input that once crashed a reader under libFuzzer (`Fuzz/corpus/<reader>/crash-*`) is read
/// again here, through the same reader as its fuzz target: it must give a `DataError` that names
/// the file, or read cleanly, and never trap.
@Suite struct FuzzFindingsTests {
    private static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus").path

    /// The reader of each fuzz target in this module, as its target calls it.
    private static let readers: [String: @Sendable (String) throws -> Void] = [
        "svhn": { path in _ = try SVHN.load(path: path) },
        "imagelist": { path in _ = try ImageList(listBytes: DatasetFileIO.read(path), listFile: path, root: "/data") },
        "tar": { path in
            let bytes = try DatasetFileIO.read(path)
            _ = try TarArchive(bytes: Gzip.isGzip(bytes) ? Gzip.decompress(bytes, path: path) : bytes, path: path)
        },
        "unlabeledpool": { path in
            _ = try UnlabeledPool.decode(DatasetFileIO.read(path), name: path, classNames: (0..<10).map(String.init))
        },
    ]

    static func findings() -> [(reader: String, path: String)] {
        readers.keys.sorted().flatMap { reader in
            let folder = "\(corpus)/\(reader)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.filter { $0.hasPrefix("crash-") }.sorted().map { (reader, "\(folder)/\($0)") }
        }
    }

    @Test func everyKeptFindingIsRefusedWithATypedErrorNamingTheFile() throws {
        let findings = Self.findings()
        // One per reader at least: svhn, imagelist, tar and unlabeledpool each have a kept finding.
        #expect(Set(findings.map(\.reader)) == Set(Self.readers.keys), "found \(findings)")
        for (reader, path) in findings {
            do {
                try Self.readers[reader]!(path)
            } catch let error as DataError {
                #expect(error.description.contains(path), "\(reader): \(error)")
            }
        }
    }
}
