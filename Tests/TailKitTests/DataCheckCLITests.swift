import Foundation
import Testing
import TestSupport

/// `tailkit data check` and `tailkit data stats` on list data sets, through the CLI: missing and
/// corrupt files by line, and the streaming loader's peak memory flat in the list's length.
@Suite(.serialized) struct DataCheckCLITests {
    private func tailkit(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test func checkListsMissingAndCorruptFilesByLine() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let r = try tailkit(["data", "check", data.listFile, "--workers", "2"])
        #expect(r.status == 1, "a list with broken files must fail: \(r.out) \(r.err)")
        #expect(r.out.contains("13 images listed, 11 decode (10 JPEG, 1 PNG), 1 missing, 1 corrupt"), "\(r.out)")
        #expect(r.out.contains("width: min 64, median 300, max 1024; height: min 64, median 300, max 768"), "\(r.out)")
        #expect(r.out.contains("classes: 3, 3 with images; per class max 7, min 2"), "\(r.out)")
        #expect(r.out.contains("missing: line \(ImageNetLTFolder.missingLine): \(data.root)/\(ImageNetLTFolder.missingPath)"), "\(r.out)")
        #expect(r.out.contains("corrupt: line \(ImageNetLTFolder.corruptLine): \(data.root)/\(ImageNetLTFolder.corruptPath): cannot decode"), "\(r.out)")

        // Without the two broken lines the same list passes.
        let good = try String(contentsOfFile: data.listFile, encoding: .utf8).split(separator: "\n")
            .filter { !$0.contains("truncated") && !$0.contains("absent") }.joined(separator: "\n")
        let goodList = try data.folder.write("good.txt", text: good + "\n")
        let ok = try tailkit(["data", "check", goodList])
        #expect(ok.status == 0, "\(ok.out) \(ok.err)")
        #expect(ok.out.contains("11 images listed, 11 decode (10 JPEG, 1 PNG), 0 missing, 0 corrupt"), "\(ok.out)")
    }

    @Test func statsCountsTheListsWithoutDecoding() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let r = try tailkit(["data", "stats", "--dataset", "imagenet-lt", "--data-dir", data.root])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("imagenet-lt: 13 training images (ImageNet_LT_train.txt), 3 classes, max/min = 4, as published"), "\(r.out)")
        #expect(r.out.contains("val list: ImageNet_LT_val.txt not found"), "\(r.out)")
        #expect(r.out.contains("few: 3 classes, 13 images"), "\(r.out)")
    }

    /// One loader epoch over a list 10x longer (the same files listed again) must not need more
    /// memory: the loader holds the list, never the images.
    @Test func loaderPeakMemoryIsFlatInTheListLength() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let good = try String(contentsOfFile: data.listFile, encoding: .utf8).split(separator: "\n")
            .filter { !$0.contains("truncated") && !$0.contains("absent") }
        func peak(lines: Int) throws -> Int {
            let list = try data.folder.write("list\(lines).txt",
                                             text: (0..<lines).map { good[$0 % good.count] }.joined(separator: "\n") + "\n")
            let r = try tailkit(["data", "check", list, "--workers", "2", "--loader", "eval", "--image-size", "112",
                                 "--batch-size", "10"])
            #expect(r.status == 0, "\(r.out) \(r.err)")
            #expect(r.out.contains("\(lines) images in"), "\(r.out)")
            let line = try #require(r.out.split(separator: "\n").first { $0.hasPrefix("peak memory: ") })
            return try #require(Int(line.dropFirst("peak memory: ".count).prefix { $0.isNumber }))
        }
        let small = try peak(lines: 44), large = try peak(lines: 440)
        // 440 normalised 112-px images alone are 66 MiB; 20 MiB of slack covers allocator noise.
        #expect(large - small < 20, "peak \(small) MiB for 44 images, \(large) MiB for 440")
    }
}
