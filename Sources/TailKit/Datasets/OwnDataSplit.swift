import Foundation
import TailData

/// Which images of a user's data set (`--dataset folder|csv`) train and which test, when the data
/// set has no test part of its own: per class, a seeded shuffle (numpy's, seed `--rand-number`,
/// default 0), then the first max(1, round(f · n_c)) images test and the rest train (f =
/// `--test-fraction`). Every class needs at least 2 images (one each side).
///
/// The split is saved in the run folder as `split.json` (paths relative to the data set), and a
/// run that finds it there (a resumed or repeated run, eval, predict, a second stage whose first
/// stage saved one) uses it as it is, so images added to the folder later never move between train
/// and test; they are left out, with a note.
///
/// ```swift
/// let split = try OwnDataSplit.stratified(list, fraction: 0.2, seed: 0, source: "photos")
/// try split.write(to: "runs/RUN/split.json")
/// let (train, test) = try split.apply(to: list, file: "runs/RUN/split.json")
/// ```
public struct OwnDataSplit: Codable, Equatable, Sendable {
    public var source: String
    public var testFraction: Double
    public var seed: Int
    public var train: [String]
    public var test: [String]

    enum CodingKeys: String, CodingKey {
        case source, seed, train, test
        case testFraction = "test_fraction"
    }

    public static let fileName = "split.json"

    /// The stratified split of `list` described above; `source` names the data set in errors.
    public static func stratified(_ list: ImageList, fraction: Double, seed: Int, source: String) throws -> OwnDataSplit {
        guard fraction > 0, fraction < 1 else {
            throw TailKitError.invalidOption("--test-fraction \(fraction) must be in (0, 1): \(source) has no test part of its own (a test/ folder or test.csv)")
        }
        var rng = NumpyRandomState(seed: UInt32(truncatingIfNeeded: seed))
        var train: [Int] = [], test: [Int] = []
        for (label, var members) in LongTail.indicesByClass(list.labels, classes: list.classNames.count).enumerated() {
            if members.isEmpty { continue }
            guard members.count >= 2 else {
                throw DataError.badDataset(path: list.path(members[0]), detail: "is the only image of class '\(list.classNames[label])'; a test split (--test-fraction \(fraction)) needs at least 2 images per class, one to train and one to test: add images, or give the data set a test part (test/ folder or test.csv)")
            }
            rng.shuffle(&members)
            let n = min(members.count - 1, max(1, Int((fraction * Double(members.count)).rounded())))
            test += members.prefix(n)
            train += members.dropFirst(n)
        }
        return OwnDataSplit(source: source, testFraction: fraction, seed: seed,
                            train: train.sorted().map { list.paths[$0] }, test: test.sorted().map { list.paths[$0] })
    }

    /// The train and test lists of this split, taken from `list` (the images found now). An image
    /// of the split that is gone is an error; images not in the split are left out with a note.
    public func apply(to list: ImageList, file: String) throws -> (train: ImageList, test: ImageList) {
        let index = Dictionary(list.paths.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        func pick(_ paths: [String]) throws -> ImageList {
            let rows = try paths.map { path -> Int in
                guard let i = index[path] else {
                    throw DataError.badDataset(path: file, detail: "lists \(path), which is no longer in \(source); remove \(file) to split anew")
                }
                return i
            }
            return ImageList(root: list.root, paths: rows.map { list.paths[$0] }, labels: rows.map { list.labels[$0] },
                             classNames: list.classNames)
        }
        let result = (try pick(train), try pick(test))
        let unused = list.count - train.count - test.count
        if unused > 0 { TailKitLog.info("\(unused) images of \(source) are not in the saved split \(file) and are left out") }
        return result
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write([UInt8](try encoder.encode(self)), to: path)
    }

    public static func read(from path: String) throws -> OwnDataSplit {
        do {
            return try JSONDecoder().decode(OwnDataSplit.self, from: Data(try DatasetFileIO.read(path)))
        } catch let error as DataError {
            throw error
        } catch {
            throw TailKitError.badFile(path: path, problem: "not a TailKit split file (\(error))")
        }
    }
}
