import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch

/// `tailkit data check LIST`: open every image of a list file before training on it.
struct DataCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Open every image of an ImageNet-LT / iNaturalist style list file; list missing and corrupt files by line.",
        discussion: """
        LIST holds "<relative/path> <label>" lines (ImageNet_LT_train.txt, iNaturalist18_val.txt, ...); paths are relative to --root (default: the list's folder). Every file is read and decoded (JPEG or PNG, told by its signature); the report gives image sizes, class counts and many/medium/few groups, and lists missing and undecodable files with their line numbers. The exit status is 1 when any file is missing or corrupt.
        With --loader train|eval, one epoch then runs through the streaming loader (decode, the reference's 224-px transforms, normalisation) and its images/s and the process's peak memory are printed.
        Example: tailkit data check data/ImageNet_LT_val.txt --root data --workers 4
        """
    )

    @Argument(help: "The list file.") var list: String
    @Option(help: "Folder the list's paths are relative to (default: the list file's folder).") var root: String?
    @Option(help: "Threads that decode images.") var workers = 2
    @Option(help: "Run one loader epoch with this transform: train (RandomResizedCrop + flip + ColorJitter) or eval (Resize + CenterCrop).")
    var loader: String?
    @Option(help: "Crop side of the loader epoch.") var imageSize = 224
    @Option(help: "Batch size of the loader epoch.") var batchSize = 128
    @Flag(inversion: .prefixedNo, help: "Decode JPEGs with libjpeg's DCT scaling when the crop is at least twice the output.")
    var dctScaling = true

    func run() throws {
        try runReportingErrors {
            let folder = root ?? (list as NSString).deletingLastPathComponent
            let images = try ImageList(listFile: list, root: folder.isEmpty ? "." : folder)
            let report = ImageListCheck.run(images, workers: workers)
            print(Self.describe(report, listFile: list))
            if let loader { try runEpoch(images, transform: loader) }
            print("peak memory: \(Torch.peakRSSBytes / 1_048_576) MiB")
            if !report.missing.isEmpty || !report.corrupt.isEmpty { throw ExitCode(1) }
        }
    }

    static func describe(_ report: ImageListCheck, listFile: String) -> String {
        var lines = ["\(listFile): \(report.checkedCount) images listed, \(report.decodedCount) decode (\(report.jpegCount) JPEG, \(report.pngCount) PNG), \(report.missing.count) missing, \(report.corrupt.count) corrupt"]
        let ok = report.widths.indices.filter { report.widths[$0] > 0 }
        if !ok.isEmpty {
            let w = ok.map { report.widths[$0] }.sorted(), h = ok.map { report.heights[$0] }.sorted()
            lines.append("width: min \(w[0]), median \(w[w.count / 2]), max \(w[w.count - 1]); height: min \(h[0]), median \(h[h.count / 2]), max \(h[h.count - 1])")
        }
        let counts = report.classCounts
        let present = counts.filter { $0 > 0 }
        lines.append("classes: \(counts.count), \(present.count) with images; per class max \(counts.max() ?? 0), min \(present.min() ?? 0)")
        let groups = ShotGroups.byTrainingCount(counts)
        for g in ShotGroups.Group.allCases {
            let members = groups.members(g)
            lines.append("\(g.rawValue): \(members.count) classes, \(members.map { counts[$0] }.reduce(0, +)) images")
        }
        for f in report.missing { lines.append("missing: line \(f.line): \(f.path)") }
        for f in report.corrupt { lines.append("corrupt: line \(f.line): \(f.reason)") }
        return lines.joined(separator: "\n")
    }

    private func runEpoch(_ images: ImageList, transform: String) throws {
        let name: String
        switch transform {
        case "train": name = "imagenet-train"
        case "eval": name = "imagenet-eval"
        default: throw ValidationError("--loader must be train or eval, not '\(transform)'")
        }
        let view = try AugmentPipeline.named(name, inputHeight: imageSize, inputWidth: imageSize, outputSize: imageSize)
        let loader = try StreamingDataLoader(shuffling: images, batchSize: batchSize, dropLast: false, views: [view],
                                             normalization: .imageNet, seed: 0, workers: workers,
                                             prefetch: max(2, 2 * workers), dctScaling: dctScaling,
                                             failureLog: DecodeFailureLog(report: { _ in }))
        let start = Date()
        var count = 0
        for batch in try loader.epoch(0) { count += batch.count }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "loader epoch (%@, %d workers, batch %d, %d px): %d images in %.2f s, %.1f images/s",
                     transform, workers, batchSize, imageSize, count, seconds, Double(count) / max(seconds, 1e-9)))
    }
}
