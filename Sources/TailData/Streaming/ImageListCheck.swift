import Foundation

/// Every image of an `ImageList` opened and fully decoded (`tailkit data check`): which files are
/// missing, which cannot be decoded (each with its list line), the sizes of the rest, and the
/// class counts. Runs on `workers` threads, each holding one decoded image at a time, so memory
/// does not grow with the list.
///
/// ```swift
/// let report = ImageListCheck.run(try ImageList(listFile: "ImageNet_LT_val.txt", root: root), workers: 4)
/// print(report.missing.count, report.corrupt.count, report.widths.max()!)
/// ```
public struct ImageListCheck: Sendable {
    /// Listed files that do not exist.
    public var missing: [DecodeFailure]
    /// Files that exist but cannot be read as a JPEG or PNG.
    public var corrupt: [DecodeFailure]
    /// Width and height of every image that decoded, in list order (0 for a failed one).
    public var widths: [Int]
    public var heights: [Int]
    /// Images per class, as listed (failed files included).
    public var classCounts: [Int]
    /// Images decoded from a JPEG and from a PNG.
    public var jpegCount: Int
    public var pngCount: Int

    public var checkedCount: Int { widths.count }
    public var decodedCount: Int { widths.count - missing.count - corrupt.count }

    public static func run(_ list: ImageList, workers: Int = 2) -> ImageListCheck {
        let n = list.count
        let results = CheckResults(count: n)
        let threads = max(1, min(workers, n))
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            var i = worker
            while i < n {
                results.set(i, check(list, i))
                i += threads
            }
        }
        var report = ImageListCheck(missing: [], corrupt: [], widths: [], heights: [], classCounts: list.classCounts(),
                                    jpegCount: 0, pngCount: 0)
        for i in 0..<n {
            switch results.get(i) {
            case .decoded(let w, let h, let format):
                report.widths.append(w)
                report.heights.append(h)
                if format == .jpeg { report.jpegCount += 1 } else { report.pngCount += 1 }
            case .missing(let failure):
                report.missing.append(failure)
                report.widths.append(0)
                report.heights.append(0)
            case .corrupt(let failure):
                report.corrupt.append(failure)
                report.widths.append(0)
                report.heights.append(0)
            }
        }
        return report
    }

    enum Outcome: Sendable {
        case decoded(Int, Int, EncodedImage.Format)
        case missing(DecodeFailure)
        case corrupt(DecodeFailure)
    }

    private static func check(_ list: ImageList, _ i: Int) -> Outcome {
        let path = list.path(i)
        let failure = { (reason: String) in
            DecodeFailure(index: i, path: path, listFile: list.listFile, line: list.lineNumbers[i], reason: reason)
        }
        guard FileManager.default.fileExists(atPath: path) else { return .missing(failure("file not found")) }
        do {
            let file = try EncodedImage(path: path)
            let image = try file.decode()
            return .decoded(image.width, image.height, file.format)
        } catch {
            return .corrupt(failure("\(error)"))
        }
    }
}

/// One slot per image, each written by exactly one worker thread.
private final class CheckResults: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [ImageListCheck.Outcome?]

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ outcome: ImageListCheck.Outcome) { lock.withLock { outcomes[i] = outcome } }
    func get(_ i: Int) -> ImageListCheck.Outcome { lock.withLock { outcomes[i]! } }
}
