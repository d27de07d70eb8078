import Foundation
import TailData

/// Where the unlabeled images of self-training come from (`--unlabeled`).
public enum UnlabeledSource: Equatable, Sendable {
    /// A pool file in the reference's format (`ti_80M_selected.pickle`: `data` N×H×W×C uint8 and
    /// `extrapolated_targets`, the labels by which images are selected).
    case poolFile(String)
    /// SVHN's `extra_32x32.mat` under the data folder (its true labels select the images).
    case svhnExtra
    /// The training images the long-tailed labeled set left out (their true labels select them).
    case remainder
    /// A folder of unlabeled JPEG/PNG images (any depth, sorted by path), resized as the data set's
    /// images; their pseudo-labels select them.
    case folder(String)

    public init(parsing text: String) {
        switch text.lowercased() {
        case "remainder": self = .remainder
        case "svhn-extra", "extra": self = .svhnExtra
        default: self = DatasetFileIO.isDirectory(text) ? .folder(text) : .poolFile(text)
        }
    }

    public var description: String {
        switch self {
        case .poolFile(let path), .folder(let path): return path
        case .svhnExtra: return "svhn-extra"
        case .remainder: return "remainder"
        }
    }

    /// The pool's images. Their labels are the selection labels; `trueLabelsKnown` says whether
    /// those are ground truth (so pseudo-label precision and recall can be measured).
    public func load(_ data: LoadedDataset) throws -> (pool: ImageSet, trueLabelsKnown: Bool) {
        switch self {
        case .poolFile(let path):
            let pool = try UnlabeledPool.read(path: path, classNames: data.train.classNames)
            try Self.checkGeometry(pool, against: data.train, source: path)
            return (pool, false)
        case .svhnExtra:
            guard data.name == .svhn else {
                throw TailKitError.invalidOption("--unlabeled svhn-extra needs --dataset svhn (it is SVHN's extra split)")
            }
            return (try data.svhnExtra(), true)
        case .remainder:
            return (data.train, true)
        case .folder(let root):
            guard data.name.resizesImages else {
                throw TailKitError.invalidOption("a folder pool (\(root)) goes with a data set read from image files (folder, csv, imagenet-lt, inat2018), not \(data.name.rawValue)")
            }
            let paths = try folderImagePaths() ?? []
            guard !paths.isEmpty else { throw DataError.badDataset(path: root, detail: "holds no JPEG or PNG images") }
            let list = ImageList(root: root, paths: paths, labels: [Int](repeating: -1, count: paths.count), classNames: data.train.classNames)
            return (try list.loadAll(resizeTo: (data.train.height, data.train.width)), false)
        }
    }

    /// A folder pool's images, relative to the folder and sorted (nil for other pools).
    public func folderImagePaths() throws -> [String]? {
        guard case .folder(let root) = self else { return nil }
        return try ImageFolder.imageFiles(under: root).images
    }

    static func checkGeometry(_ pool: ImageSet, against train: ImageSet, source: String) throws {
        guard pool.height == train.height, pool.width == train.width, pool.channels == train.channels else {
            throw TailKitError.badFile(path: source, problem: "pool images are \(pool.height)x\(pool.width)x\(pool.channels), the data set's are \(train.height)x\(train.width)x\(train.channels)")
        }
    }
}
