import Foundation
import Testing
@testable import TailData
import TestSupport

/// The streaming list loader on an ImageNet-LT-style folder written by real Pillow (see
/// `ImageNetLTFolder`): counts and list lines, broken files reported with path and line (skipped or
/// fatal), batches independent of the worker count, and the 224-px transforms of
/// `imagenet_inat/data/dataloader.py` against Pillow byte for byte, with and without DCT scaling.
@Suite(.serialized) struct StreamingDataLoaderTests {
    static let sequential: @Sendable (Int) -> [Int] = { _ in Array(0..<ImageNetLTFolder.listedCount) }

    /// Collects reported failures instead of writing them to standard error.
    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [DecodeFailure] = []
        var all: [DecodeFailure] { lock.withLock { items } }
        func add(_ f: DecodeFailure) { lock.withLock { items.append(f) } }
    }

    @Test func listCountsAndLineNumbers() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let list = try ImageList(listFile: data.listFile, root: data.root)
        #expect(list.count == ImageNetLTFolder.listedCount)
        #expect(list.classCounts() == ImageNetLTFolder.classCounts)
        try #require(list.lineNumbers.count == list.count)
        #expect(list.lineNumbers[ImageNetLTFolder.corruptIndex] == ImageNetLTFolder.corruptLine)
        #expect(list.lineNumbers[ImageNetLTFolder.missingIndex] == ImageNetLTFolder.missingLine)
        #expect(list.paths[ImageNetLTFolder.corruptIndex] == ImageNetLTFolder.corruptPath)
        #expect(list.listFile == data.listFile)
    }

    @Test func skippedFilesAreLeftOutAndReportedOnceWithPathAndLine() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let list = try ImageList(listFile: data.listFile, root: data.root)
        let reports = Reports()
        let eval = try AugmentPipeline.named("imagenet-eval", inputHeight: 224, inputWidth: 224, outputSize: 32)
        let loader = try StreamingDataLoader(list: list, order: Self.sequential, batchSize: 4, dropLast: false, views: [eval],
                                             normalization: .imageNet, seed: 1, workers: 2, onFailure: .skip,
                                             failureLog: DecodeFailureLog(report: { reports.add($0) }))
        for epoch in 0..<2 {
            let batches = Array(try loader.epoch(epoch))
            try #require(batches.count == 4)
            let indices = batches.flatMap(\.indices)
            let expected = (0..<list.count).filter { $0 != ImageNetLTFolder.corruptIndex && $0 != ImageNetLTFolder.missingIndex }
            #expect(indices == expected)
            for b in batches {
                #expect(b.views[0].count == b.count)
                #expect(b.views[0].data.count == b.count * 3 * 32 * 32)
                #expect(b.labels == b.indices.map { list.labels[$0] })
            }
        }
        // Two epochs met each broken file twice; each is reported once.
        let failures = reports.all.sorted { $0.index < $1.index }
        try #require(failures.count == 2)
        #expect(loader.failureLog.failures == failures)
        #expect(failures[0].line == ImageNetLTFolder.corruptLine)
        #expect(failures[0].path == data.root + "/" + ImageNetLTFolder.corruptPath)
        #expect(failures[0].reason.contains("JPEG"))
        #expect(failures[1].line == ImageNetLTFolder.missingLine)
        #expect(failures[1].path.hasSuffix(ImageNetLTFolder.missingPath))
        #expect(failures[1].description.contains("line 14 of \(data.listFile)"))
        #expect(loader.failureLog.fatalFailure == nil)
    }

    @Test(arguments: [0, 1, 3])
    func failPolicyEndsTheEpochBeforeTheFirstBrokenFile(workers: Int) throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let list = try ImageList(listFile: data.listFile, root: data.root)
        let eval = try AugmentPipeline.named("imagenet-eval", inputHeight: 224, inputWidth: 224, outputSize: 32)
        let loader = try StreamingDataLoader(list: list, order: Self.sequential, batchSize: 4, dropLast: false, views: [eval],
                                             normalization: .imageNet, seed: 1, workers: workers, prefetch: 3,
                                             onFailure: .fail, failureLog: DecodeFailureLog(report: { _ in }))
        // Images 0-3 and 4-7 are good; batch 2 holds the truncated JPEG (index 9).
        let batches = Array(try loader.epoch(0))
        #expect(batches.map(\.number) == [0, 1])
        let fatal = try #require(loader.failureLog.fatalFailure)
        #expect(fatal.index == ImageNetLTFolder.corruptIndex)
        #expect(fatal.line == ImageNetLTFolder.corruptLine)
        #expect(fatal.path.hasSuffix(ImageNetLTFolder.corruptPath))
    }

    @Test func batchesAreTheSameWhateverTheWorkerCount() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let list = try ImageList(listFile: data.listFile, root: data.root)
        let views = [try AugmentPipeline.named("imagenet-train", inputHeight: 224, inputWidth: 224, outputSize: 48),
                     try AugmentPipeline.named("imagenet-eval", inputHeight: 224, inputWidth: 224, outputSize: 40)]
        func run(workers: Int, seed: UInt64) throws -> [Batch] {
            let loader = try StreamingDataLoader(shuffling: list, batchSize: 3, dropLast: false, views: views,
                                                 normalization: .imageNet, seed: seed, workers: workers, prefetch: 2)
            return try (0..<2).flatMap { Array(try loader.epoch($0)) }
        }
        let reference = try run(workers: 0, seed: 7)
        try #require(reference.count == 10)
        #expect(reference.reduce(0) { $0 + $1.count } == 2 * (ImageNetLTFolder.listedCount - 2))
        for workers in [1, 3] {
            let other = try run(workers: workers, seed: 7)
            try #require(other.count == reference.count)
            for (a, b) in zip(reference, other) { #expect(a == b, "workers \(workers), batch \(a.epoch).\(a.number)") }
        }
        // The seed matters: another seed gives other crops.
        let reseeded = try run(workers: 2, seed: 8)
        try #require(reseeded.count == reference.count)
        #expect(reseeded.map(\.views) != reference.map(\.views))
    }

    @Test func viewsMustHaveOneOutputSize() throws {
        let list = ImageList(root: "/nonexistent", paths: ["a.JPEG"], labels: [0], classNames: ["a"])
        let flipOnly = AugmentPipeline(name: "flip", steps: [.horizontalFlip(probability: 0.5)])
        #expect(throws: DataError.self) {
            try StreamingDataLoader(list: list, order: { _ in [0] }, batchSize: 1, dropLast: false, views: [flipOnly],
                                    normalization: .imageNet, seed: 0)
        }
    }

    /// A band of rows decoded alone (rows above skipped, rows below not decoded) is the same
    /// bytes as those rows of the whole decode, at every DCT scale, for every file of the folder
    /// (4:2:0 colour, grayscale, CMYK, PNG).
    @Test func rowBandDecodeEqualsTheWholeDecodesRows() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let list = try ImageList(listFile: data.listFile, root: data.root)
        var rng = SeededGenerator(seed: 12)
        var bands = 0
        for index in 0..<list.count where index != ImageNetLTFolder.corruptIndex && index != ImageNetLTFolder.missingIndex {
            let file = try EncodedImage(path: list.path(index))
            for d in [1, 2, 4] {
                let whole = try file.decode(reduction: d)
                for _ in 0..<3 {
                    let top = rng.int(below: whole.height), count = 1 + rng.int(below: whole.height - top)
                    let band = try file.decode(reduction: d, rows: top..<(top + count))
                    let expected = whole.cropped(top: top, left: 0, height: count, width: whole.width)
                    try #require(band.width == expected.width && band.height == expected.height)
                    #expect(band.pixels == expected.pixels, "\(file.path) 1/\(d) rows \(top)..<\(top + count)")
                    bands += 1
                }
            }
        }
        #expect(bands == 11 * 9)
        // The truncated file (cut after a third of its bytes) fails even for a band of its intact top rows.
        let truncated = try EncodedImage(path: list.path(ImageNetLTFolder.corruptIndex))
        #expect(throws: DataError.self) { _ = try truncated.decode(reduction: 1, rows: 0..<4) }
    }

    // MARK: Pillow parity

    /// One transform of one file: TailKit's bytes, and what Python needs to redo it with Pillow.
    struct ParityCase {
        var path: String
        var line: String
        var output: AugImage
    }

    @Test func transformsMatchPillowByteForByte() throws {
        let data = try ImageNetLTFolder.write()
        defer { data.remove() }
        let list = try ImageList(listFile: data.listFile, root: data.root)
        var cases: [ParityCase] = []
        var reductions: Set<Int> = []
        // Bicubic (--resize-filter bicubic) on one draw per file; bilinear, the reference's, on three.
        for filter in ResizeFilter.allCases {
        let train = try AugmentPipeline.named("imagenet-train", inputHeight: 224, inputWidth: 224, resizeFilter: filter)
        let eval = try AugmentPipeline.named("imagenet-eval", inputHeight: 224, inputWidth: 224, resizeFilter: filter)
        guard case .randomResizedCrop(let rrc) = train.steps[0], rrc.filter == filter else {
            Issue.record("imagenet-train starts with \(train.steps[0])")
            return
        }
        for index in 0..<list.count where index != ImageNetLTFolder.corruptIndex && index != ImageNetLTFolder.missingIndex {
            let file = try EncodedImage(path: list.path(index))
            for dct in [false, true] {
                // Resize(256) + CenterCrop(224).
                let evalView = DecodingPipeline(pipeline: eval, dctScaling: dct)
                var rng = AugmentPipeline.sampleGenerator(seed: 3, epoch: 0, index: index)
                let target = AugmentStep.resizeShorterSide(256).outputSize(height: file.height, width: file.width)
                let d = evalView.reduction(file, region: (file.width, file.height), target: (target.width, target.height))
                reductions.insert(d)
                cases.append(ParityCase(path: file.path, line: "eval \(filter.rawValue) \(d) \(target.width) \(target.height)",
                                        output: try evalView.apply(to: file, using: &rng)))
                // RandomResizedCrop(224) + flip + ColorJitter(0.4, 0.4, 0.4, 0), several draws per file.
                let trainView = DecodingPipeline(pipeline: train, dctScaling: dct)
                for epoch in 0..<(filter == .bilinear ? 3 : 1) {
                    var rng = AugmentPipeline.sampleGenerator(seed: 3, epoch: epoch, index: index)
                    var replay = rng
                    let box = rrc.box(imageHeight: file.height, imageWidth: file.width, using: &replay)
                    let flip = replay.uniform() < 0.5
                    _ = replay.uniform()  // ColorJitter applied with probability 1
                    var order = [0, 1, 2, 3]
                    replay.shuffle(&order)
                    let factors = (0..<3).map { _ in 0.6 + 0.8 * replay.uniform() }
                    let d = trainView.reduction(file, region: (box.width, box.height), target: (224, 224))
                    reductions.insert(d)
                    let scaledW = (file.width + d - 1) / d, scaledH = (file.height + d - 1) / d
                    let crop = DecodingPipeline.mapped(box, by: d, width: scaledW, height: scaledH)
                    let fields = [d, crop.left, crop.top, crop.width, crop.height, flip ? 1 : 0] + order
                    let line = "train \(filter.rawValue) " + fields.map(String.init).joined(separator: " ") + " "
                        + factors.map { String($0.bitPattern, radix: 16) }.joined(separator: " ")
                    cases.append(ParityCase(path: file.path, line: line, output: try trainView.apply(to: file, using: &rng)))
                }
            }
        }
        }
        // DCT scaling really happened for some crops (the 1024x768 and 800x300 files).
        #expect(reductions.contains(2) || reductions.contains(4))
        let folder = try TemporaryFolder("tailkit-stream-pillow")
        defer { folder.remove() }
        try folder.write("cases.txt", text: cases.map { "\($0.path)\t\($0.line)" }.joined(separator: "\n") + "\n")
        _ = try TestPython.run(Self.pillowScript, arguments: [folder.path])
        let outputs = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.file("outputs.bin"))))
        try #require(outputs.count == cases.count * 224 * 224 * 3, "Pillow wrote \(outputs.count) bytes for \(cases.count) cases")
        var mismatches: [String] = []
        for (i, c) in cases.enumerated() {
            #expect(c.output.width == 224 && c.output.height == 224 && c.output.channels == 3)
            let pil = Array(outputs[(i * 150_528)..<((i + 1) * 150_528)])
            if pil != c.output.pixels {
                let worst = zip(pil, c.output.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
                let count = zip(pil, c.output.pixels).filter { $0 != $1 }.count
                mismatches.append("\(c.path) [\(c.line)]: \(count) bytes differ, by up to \(worst)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// torchvision's PIL transforms, written out: RandomResizedCrop = crop + resize(BILINEAR, or BICUBIC),
    /// RandomHorizontalFlip = FLIP_LEFT_RIGHT, ColorJitter = ImageEnhance in the drawn order,
    /// Resize(256) = shorter side 256 and int(256 * long / short), CenterCrop = round((h - 224) / 2).
    /// A DCT-scaled case asks Pillow's `draft` for the same 1/d decode first.
    static let pillowScript = #"""
import struct, sys
from PIL import Image, ImageEnhance
folder = sys.argv[1]
out = open(folder + "/outputs.bin", "wb")
for row in open(folder + "/cases.txt").read().splitlines():
    path, spec = row.split("\t")
    kind, name, *f = spec.split(" ")
    f = [kind] + f
    resample = Image.BICUBIC if name == "bicubic" else Image.BILINEAR
    im = Image.open(path)
    d = int(f[1])
    if d > 1:
        w, h = im.size
        im.draft("RGB", (w // d, h // d))
        assert im.size == ((w + d - 1) // d, (h + d - 1) // d), (path, d, im.size)
    im = im.convert("RGB")
    if f[0] == "eval":
        tw, th = int(f[2]), int(f[3])
        im = im.resize((tw, th), resample)
        top, left = int(round((th - 224) / 2.0)), int(round((tw - 224) / 2.0))
        im = im.crop((left, top, left + 224, top + 224))
    else:
        left, top, cw, ch, flip = (int(x) for x in f[2:7])
        order = [int(x) for x in f[7:11]]
        factors = [struct.unpack("<d", int(x, 16).to_bytes(8, "little"))[0] for x in f[11:14]]
        im = im.crop((left, top, left + cw, top + ch)).resize((224, 224), resample)
        if flip:
            im = im.transpose(Image.FLIP_LEFT_RIGHT)
        for op in order:
            if op == 0: im = ImageEnhance.Brightness(im).enhance(factors[0])
            elif op == 1: im = ImageEnhance.Contrast(im).enhance(factors[1])
            elif op == 2: im = ImageEnhance.Color(im).enhance(factors[2])
    assert im.size == (224, 224) and im.mode == "RGB"
    out.write(im.tobytes())
out.close()
"""#
}
