import Foundation
import TailData

/// How a user's own data set (`--dataset folder` or `--dataset csv`) is read: which images, which
/// split, what size, what to do with files that do not decode.
public struct OwnDataOptions: Sendable {
    /// Side of the square the images are resized to (bilinear, `--image-size`).
    public var imageSize = 64
    /// Test share of each class when the data set has no test part (`--test-fraction`).
    public var testFraction = 0.2
    /// Seed of that split (`--rand-number`).
    public var seed = 0
    /// Leave out (with a note) images that cannot be read or decoded, instead of stopping.
    public var skipBadImages = false
    /// A saved `split.json` to use instead of splitting anew, when it exists.
    public var splitFile: String?

    public init(imageSize: Int = 64, testFraction: Double = 0.2, seed: Int = 0, skipBadImages: Bool = false, splitFile: String? = nil) {
        self.imageSize = imageSize
        self.testFraction = testFraction
        self.seed = seed
        self.skipBadImages = skipBadImages
        self.splitFile = splitFile
    }
}

/// A user's own long-tailed images, as a class-per-folder tree (torchvision's `ImageFolder`) or a
/// CSV of paths and labels, with the natural class counts kept as they are.
///
/// - `folder DIR`: classes are DIR's sub-folders, sorted, or `DIR/train`'s when DIR has a `train`
///   folder; the test split is `DIR/test/<class>/...` (then the classes are DIR's other
///   sub-folders, or `DIR/train`'s), else the stratified split of `OwnDataSplit`.
/// - `csv FILE`: see `CSVImageList`; the test split is `test.csv` beside FILE, else the same
///   stratified split.
///
/// Every image is decoded (JPEG or PNG, by signature) to RGB and resized to `imageSize` squared,
/// in memory, as the list data sets are. The normalisation is the training images' own per-channel
/// mean and standard deviation (x/255), which the checkpoint records for prediction.
///
/// ```swift
/// let data = try OwnDataset.load(.folder, dataDir: "photos", options: OwnDataOptions(imageSize: 64))
/// data.train.classNames    // the folder names
/// ```
public enum OwnDataset {
    public static func load(_ name: DatasetName, dataDir: String, options: OwnDataOptions) throws -> LoadedDataset {
        guard options.imageSize > 0 else { throw TailKitError.invalidOption("--image-size \(options.imageSize) must be positive") }
        let (all, givenTest, ignored) = try lists(name, dataDir: dataDir)
        if !ignored.isEmpty {
            let shown = ignored.prefix(3).joined(separator: ", ") + (ignored.count > 3 ? ", ..." : "")
            TailKitLog.info("\(dataDir): ignored \(ignored.count) file\(ignored.count == 1 ? "" : "s") that are not JPEG or PNG images (\(shown))")
        }
        var split: OwnDataSplit?
        let trainList: ImageList, testList: ImageList
        if let givenTest {
            (trainList, testList) = (all, givenTest)
        } else {
            let file = options.splitFile.flatMap { DatasetFileIO.exists($0) ? $0 : nil }
            let chosen = try file.map { try OwnDataSplit.read(from: $0) }
                ?? OwnDataSplit.stratified(all, fraction: options.testFraction, seed: options.seed, source: dataDir)
            (trainList, testList) = try chosen.apply(to: all, file: file ?? OwnDataSplit.fileName)
            split = chosen
        }
        let size = (height: options.imageSize, width: options.imageSize)
        let train = try decode(trainList, size: size, skip: options.skipBadImages)
        let test = try decode(testList, size: size, skip: options.skipBadImages)
        if let empty = train.classCounts().firstIndex(of: 0) {
            throw DataError.badDataset(path: dataDir, detail: "class '\(train.classNames[empty])' has no training images left")
        }
        var data = LoadedDataset(name: name, train: train, test: test, normalization: try normalization(of: train))
        data.dataDir = dataDir
        data.ownSplit = split
        return data
    }

    /// A run folder's name for the data set at `dataDir`: its folder or file name, without a
    /// `.csv` extension or a trailing `train` (photos/train.csv -> photos).
    public static func runName(dataDir: String) -> String {
        var url = URL(fileURLWithPath: dataDir)
        if url.pathExtension.lowercased() == "csv" { url.deletePathExtension() }
        if url.lastPathComponent.lowercased() == "train" { url = url.deletingLastPathComponent() }
        return url.lastPathComponent
    }

    /// All images (train, or train + test when splitting), the given test list if any, ignored files.
    private static func lists(_ name: DatasetName, dataDir: String) throws -> (ImageList, ImageList?, [String]) {
        switch name {
        case .folder:
            let test = DatasetFileIO.join(dataDir, "test"), train = DatasetFileIO.join(dataDir, "train")
            guard DatasetFileIO.isDirectory(test) else {
                let scan = try ImageFolder.scan(DatasetFileIO.isDirectory(train) ? train : dataDir)
                return (scan.list, nil, scan.ignored)
            }
            let trainScan = DatasetFileIO.isDirectory(train) ? try ImageFolder.scan(train) : try ImageFolder.scan(dataDir, excluding: ["test"])
            let testScan = try ImageFolder.scan(test, classNames: trainScan.list.classNames)
            return (trainScan.list, testScan.list, trainScan.ignored + testScan.ignored)
        case .csv:
            guard !DatasetFileIO.isDirectory(dataDir) else {
                throw DataError.badDataset(path: dataDir, detail: "is a folder; --dataset csv takes the CSV file of the training images (path,label)")
            }
            let train = try CSVImageList.read(dataDir)
            let testFile = DatasetFileIO.join(train.root, "test.csv")
            let isItself = URL(fileURLWithPath: testFile).standardized.path == URL(fileURLWithPath: dataDir).standardized.path
            let test = DatasetFileIO.exists(testFile) && !isItself ? try CSVImageList.read(testFile, classNames: train.classNames) : nil
            return (train, test, [])
        default:
            throw TailKitError.invalidOption("\(name.rawValue) is not a user data set (folder, csv)")
        }
    }

    /// Decodes and resizes; skipped images are reported one line each.
    private static func decode(_ list: ImageList, size: (height: Int, width: Int), skip: Bool) throws -> ImageSet {
        let (set, _, skipped) = try list.loadAll(resizeTo: size, skipUndecodable: skip)
        for (_, error) in skipped { TailKitLog.warning("skipped (--skip-bad-images): \(error)") }
        return set
    }

    /// Per-channel mean and standard deviation of x/255 over every training pixel, to 4 decimals
    /// (a constant channel gets std 1).
    static func normalization(of set: ImageSet) throws -> ImageNormalization {
        let c = set.channels
        var sum = [Double](repeating: 0, count: c), squares = sum
        set.images.withUnsafeBufferPointer { px in
            for i in 0..<px.count {
                let v = Double(px[i]) / 255
                sum[i % c] += v
                squares[i % c] += v * v
            }
        }
        let n = Double(max(1, set.images.count / c))
        let round4 = { (x: Double) in (x * 10_000).rounded() / 10_000 }
        let mean = sum.map { round4($0 / n) }
        let std = zip(sum, squares).map { s, q in
            let sd = round4(max(0, q / n - (s / n) * (s / n)).squareRoot())
            return sd > 0 ? sd : 1
        }
        return try ImageNormalization(mean: mean, std: std)
    }
}
