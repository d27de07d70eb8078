import Foundation
import Testing
@testable import TailData
import TestSupport

@Suite struct ArchiveTests {
    // MARK: gzip

    @Test func gunzipRoundTrip() throws {
        let payload = formatsRandomBytes(200_000, seed: 1) + [UInt8](repeating: 7, count: 300_000)
        #expect(try Gzip.decompress(FormatsDeflate.gzip(payload), path: "a.gz") == payload)
    }

    @Test func gunzipEmptyPayloadAndMultipleMembers() throws {
        #expect(try Gzip.decompress(FormatsDeflate.gzip([]), path: "e.gz") == [])
        let first = Array("first member\n".utf8), second = formatsRandomBytes(70_000, seed: 2)
        let joined = FormatsDeflate.gzip(first) + FormatsDeflate.gzip(second)
        #expect(try Gzip.decompress(joined, path: "m.gz") == first + second)
        // Zero padding after the last member is what tape-blocked files carry; it is allowed.
        #expect(try Gzip.decompress(joined + [0, 0, 0, 0], path: "m.gz") == first + second)
    }

    @Test func gunzipRejectsTruncatedCorruptAndTrailingData() throws {
        let packed = FormatsDeflate.gzip(formatsRandomBytes(10_000, seed: 3))
        for cut in [2, 10, packed.count / 2, packed.count - 1] {
            #expect(throws: DataError.truncated(path: "t.gz", detail: "compressed stream ends early after \(cut) bytes")) {
                try Gzip.decompress(Array(packed[..<cut]), path: "t.gz")
            }
        }
        var corrupt = packed
        corrupt[packed.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        #expect(throws: DataError.self) { try Gzip.decompress(corrupt, path: "c.gz") }
        let error = #expect(throws: DataError.self) { try Gzip.decompress(packed + [1, 2, 3], path: "g.gz") }
        #expect(error?.description.contains("g.gz") == true)
        #expect(throws: DataError.badHeader(path: "x", detail: "missing gzip magic 1f 8b")) {
            try Gzip.decompress([1, 2, 3], path: "x")
        }
    }

    @Test func inflateZlibHonoursLimit() throws {
        let payload = formatsRandomBytes(50_000, seed: 4)
        let stream = FormatsDeflate.compress(payload, gzip: false)
        #expect(try Gzip.inflateZlib(stream[...], path: "z") == payload)
        #expect(try Gzip.inflateZlib(stream[...], path: "z", limit: 8) == Array(payload[..<8]))
        #expect(throws: DataError.self) { try Gzip.inflateZlib(stream[..<100], path: "z") }
    }

    @Test func gunzipNeverCrashesOnGarbage() {
        for seed in UInt64(0)..<50 {
            let garbage = [0x1F, 0x8B] + formatsRandomBytes(Int(seed) * 37, seed: seed)
            #expect(throws: DataError.self) { try Gzip.decompress(garbage, path: "r.gz") }
        }
    }

    // MARK: tar

    @Test func tarReadsUstarGnuAndPaxNames() throws {
        let longName = "cifar-10-batches-bin/" + String(repeating: "deep/", count: 30) + "file.bin"
        var tar = FormatsTarWriter()
        tar.addDirectory("cifar-10-batches-bin/")
        tar.addFile("./cifar-10-batches-bin/small.txt", Array("hello".utf8))
        tar.addFile("name.bin", [1, 2, 3], prefix: "some/prefix")
        tar.addFile(longName, formatsRandomBytes(1500, seed: 5), longName: .gnu)
        tar.addFile(longName + ".pax", formatsRandomBytes(512, seed: 6), longName: .pax)
        tar.addEntry(name: "link", type: "2", data: [])
        tar.addFile("empty", [])
        let archive = try TarArchive(bytes: tar.finished(), path: "t.tar")
        #expect(archive.entries.map(\.name) == [
            "cifar-10-batches-bin/small.txt", "some/prefix/name.bin", longName, longName + ".pax", "empty",
        ])
        #expect(archive["cifar-10-batches-bin/small.txt"] == Array("hello".utf8))
        #expect(archive["some/prefix/name.bin"] == [1, 2, 3])
        #expect(archive[longName] == formatsRandomBytes(1500, seed: 5))
        #expect(archive[longName + ".pax"] == formatsRandomBytes(512, seed: 6))
        #expect(archive["empty"] == [])
        #expect(archive.entry(endingWith: "small.txt") == Array("hello".utf8))
        #expect(archive.entry(endingWith: "mall.txt") == nil)
    }

    @Test func tarGzFileIsReadFromDisk() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        var tar = FormatsTarWriter()
        tar.addFile("a/b.txt", Array("content".utf8))
        let path = try folder.write("x.tar.gz", FormatsDeflate.gzip(tar.finished()))
        #expect(try TarArchive(contentsOf: path)["a/b.txt"] == Array("content".utf8))
        #expect(throws: DataError.missingFile(path: folder.file("nope.tar.gz"))) {
            try TarArchive(contentsOf: folder.file("nope.tar.gz"))
        }
    }

    /// Archives written by the system's GNU tar in each format it offers, gzipped by `tar -z`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tar")),
          arguments: ["gnu", "pax", "ustar", "v7"])
    func systemTarArchivesAreRead(format: String) throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let deep = "root/" + String(repeating: "nested-folder/", count: format == "v7" ? 1 : 9) + "data.bin"
        let payload = formatsRandomBytes(3000, seed: 8)
        try folder.write("src/" + deep, payload)
        try folder.write("src/root/names.txt", text: "a\nb\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        process.arguments = ["-czf", folder.file("out.tar.gz"), "--format=\(format)", "-C", folder.file("src"), "root"]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let archive = try TarArchive(contentsOf: folder.file("out.tar.gz"))
        #expect(archive[deep] == payload)
        #expect(archive["root/names.txt"] == Array("a\nb\n".utf8))
        #expect(archive.entries.count == 2)
    }

    @Test func tarRejectsTruncationAndBadChecksum() throws {
        var tar = FormatsTarWriter()
        tar.addFile("data.bin", formatsRandomBytes(2000, seed: 7))
        let whole = tar.finished()
        #expect(throws: DataError.self) { try TarArchive(bytes: Array(whole[..<1000]), path: "t.tar") }
        #expect(throws: DataError.self) { try TarArchive(bytes: Array(whole[..<300]), path: "t.tar") }
        var corrupt = whole
        corrupt[10] ^= 0x55
        #expect(throws: DataError.badHeader(path: "t.tar", detail: "tar header at byte 0 has a bad checksum")) {
            try TarArchive(bytes: corrupt, path: "t.tar")
        }
    }

    @Test func tarNeverCrashesOnGarbage() {
        for seed in UInt64(1)..<40 {
            let garbage = formatsRandomBytes(Int(seed) * 97, seed: seed)
            #expect(throws: DataError.self) { try TarArchive(bytes: garbage, path: "r.tar") }
        }
    }
}
