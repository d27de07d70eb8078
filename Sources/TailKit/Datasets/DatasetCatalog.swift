import Foundation
import TailData

/// The data sets `--dataset` can name, read from their publishers' files under `--data-dir`.
///
/// ```swift
/// let data = try LoadedDataset.load(try DatasetName(parsing: "cifar10"), dataDir: "/data/cifar")
/// let lt = try data.longTailed(imbFactor: 0.01, imbType: "exp", seed: 0)    // rho = 100
/// ```
public enum DatasetName: String, NamedChoice, Codable, Sendable {
    case fmnist, mnist, cifar10, cifar100, svhn, stl10
    /// List-file data sets, long-tailed as published; images decoded and resized to --image-size.
    case imagenetLT = "imagenet-lt", inat2018 = "inat2018"
    /// A user's own images: one folder per class (`folder`) or a CSV of paths and labels (`csv`);
    /// natural class counts, images resized to --image-size (see `OwnDataset`).
    case folder, csv

    /// Whether the published training list is already long-tailed (no count rule applies).
    public var isPublishedLongTailed: Bool { self == .imagenetLT || self == .inat2018 }

    /// Whether this is a user's own data set (folder or csv).
    public var isOwnData: Bool { self == .folder || self == .csv }

    /// Whether images of any size are resized to --image-size (list and own data sets), rather
    /// than read at the data set's one fixed size.
    public var resizesImages: Bool { isPublishedLongTailed || isOwnData }

    public static let choiceKind = "dataset"
}

/// A data set's balanced train and test sets, with its normalisation.
public struct LoadedDataset {
    public var name: DatasetName
    /// The folder the files came from (nil for the built-in Fashion-MNIST).
    public var dataDir: String? = nil
    public var train: ImageSet
    public var test: ImageSet
    public var normalization: ImageNormalization
    /// For a user's data set split here (no test part of its own): the split, which a run saves
    /// in its folder as `split.json`.
    public var ownSplit: OwnDataSplit? = nil
}

/// The long-tailed training set built from a full one, with what a run folder records about it.
public struct LongTailedTrainingSet {
    public var set: ImageSet
    /// Indices into the full training set, in the kept order.
    public var indices: [Int]
    public var counts: [Int]
}

extension LoadedDataset {
    /// Loads `name` from `dataDir` (Fashion-MNIST needs none: it is installed with the system).
    /// - Parameter padTo32: Fashion-MNIST / MNIST zero-padded from 28x28 to 32x32 (CIFAR-shaped inputs).
    /// - Parameter own: how a user's data set (folder, csv) is split and decoded (its `imageSize`
    ///   wins over `imageSize`).
    public static func load(_ name: DatasetName, dataDir: String?, imageSize: Int = 64, padTo32: Bool = false,
                            own: OwnDataOptions? = nil) throws -> LoadedDataset {
        if name.isOwnData {
            guard !padTo32 else { throw TailKitError.invalidOption("--pad32 applies to fmnist and mnist (28x28 images), not \(name.rawValue)") }
            return try OwnDataset.load(name, dataDir: try requireDir(dataDir, name), options: own ?? OwnDataOptions(imageSize: imageSize))
        }
        if padTo32 && name != .fmnist && name != .mnist {
            throw TailKitError.invalidOption("--pad32 applies to fmnist and mnist (28x28 images), not \(name.rawValue)")
        }
        var data = try loadFiles(name, dataDir: dataDir, imageSize: imageSize)
        if padTo32 {
            data.train = try IDX.zeroPadded(data.train, height: 32, width: 32)
            data.test = try IDX.zeroPadded(data.test, height: 32, width: 32)
        }
        data.dataDir = dataDir
        return data
    }

    private static func requireDir(_ dataDir: String?, _ name: DatasetName) throws -> String {
        guard let dataDir else {
            if name.isOwnData {
                throw TailKitError.invalidOption(name == .folder ? "--dataset folder needs --data-dir DIR (one sub-folder of images per class)"
                                                                 : "--dataset csv needs --data-dir FILE (a CSV of path,label rows)")
            }
            throw TailKitError.invalidOption("--data-dir is needed for \(name.rawValue) (only fmnist is built in)")
        }
        return dataDir
    }

    /// ImageNet-LT (`ImageNet_LT_train.txt`, `ImageNet_LT_test.txt`) or iNaturalist 2018
    /// (`iNaturalist18_train.txt`, `iNaturalist18_val.txt`): `relative/path label` lines under the
    /// data folder; every image decoded (JPEG or PNG) and resized to `imageSize` squared, in memory.
    private static func loadList(_ name: DatasetName, root: String, imageSize: Int) throws -> LoadedDataset {
        let (trainList, testList) = name == .imagenetLT
            ? ("ImageNet_LT_train.txt", "ImageNet_LT_test.txt") : ("iNaturalist18_train.txt", "iNaturalist18_val.txt")
        let train = try ImageList(listFile: "\(root)/\(trainList)", root: root)
        let test = try ImageList(listFile: "\(root)/\(testList)", root: root, classCount: train.classNames.count)
        let size = (height: imageSize, width: imageSize)
        return LoadedDataset(name: name, train: try train.loadAll(resizeTo: size), test: try test.loadAll(resizeTo: size),
                             normalization: name == .imagenetLT ? .imageNet : .iNat2018)
    }

    private static func loadFiles(_ name: DatasetName, dataDir: String?, imageSize: Int) throws -> LoadedDataset {
        func dir() throws -> String { try requireDir(dataDir, name) }
        switch name {
        case .fmnist:
            let root = dataDir ?? FashionMNIST.defaultRoot
            return LoadedDataset(name: name, train: try FashionMNIST.load(train: true, root: root),
                                 test: try FashionMNIST.load(train: false, root: root), normalization: .fashionMNIST)
        case .mnist:
            let root = try dir()
            return LoadedDataset(name: name, train: try MNIST.load(train: true, root: root),
                                 test: try MNIST.load(train: false, root: root),
                                 normalization: try ImageNormalization(mean: [0.1307], std: [0.3081]))
        case .cifar10, .cifar100:
            let (train, test) = try loadCIFAR(cifar100: name == .cifar100, root: try dir())
            return LoadedDataset(name: name, train: train, test: test, normalization: .issCIFAR)
        case .svhn:
            let root = try dir()
            return LoadedDataset(name: name, train: try SVHN.load(split: .train, root: root),
                                 test: try SVHN.load(split: .test, root: root), normalization: .issSVHN)
        case .stl10:
            let root = try dir()
            return LoadedDataset(name: name, train: try STL10.load(split: .train, root: root),
                                 test: try STL10.load(split: .test, root: root), normalization: .dasoSTL10)
        case .imagenetLT, .inat2018:
            return try loadList(name, root: try dir(), imageSize: imageSize)
        case .folder, .csv:
            return try OwnDataset.load(name, dataDir: try dir(), options: OwnDataOptions(imageSize: imageSize))
        }
    }

    /// The reference's long-tailed split: exp or step counts from the head class's size,
    /// numpy-seeded per-class selection (SVHN: n_max 1000, digits ranked 1..9,0).
    public func longTailed(imbFactor: Double, imbType: String, seed: Int, holdOut: Double = 0) throws -> LongTailedTrainingSet {
        var rng = NumpyRandomState(seed: UInt32(truncatingIfNeeded: seed))
        return try longTailed(imbFactor: imbFactor, imbType: imbType, holdOut: holdOut, rng: &rng)
    }

    /// The same, drawing from `rng` and leaving it where the reference's stream is after the
    /// labeled selection (the unlabeled pool's selection continues it).
    ///
    /// `holdOut` > 0 first sets that fraction of every class aside (seeded), so that a data set
    /// without a separate unlabeled split still has images of every class, the head included, to
    /// serve as the unlabeled pool (`--unlabeled remainder`); the long-tailed rule then runs on the
    /// rest (head class n_max = (1 − holdOut)·N/C). Indices refer to the full training set.
    public func longTailed(imbFactor: Double, imbType: String, holdOut: Double = 0,
                           rng: inout NumpyRandomState) throws -> LongTailedTrainingSet {
        guard let profile = ImbalanceProfile(rawValue: imbType) else {
            throw TailKitError.invalidOption("unknown imbalance type '\(imbType)'; valid types: \(ImbalanceProfile.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard imbFactor > 0, imbFactor <= 1 else {
            throw TailKitError.invalidOption("--imb-factor \(imbFactor) must be in (0, 1]: it is 1/rho, e.g. 0.01 for rho = 100")
        }
        guard holdOut >= 0, holdOut < 1 else {
            throw TailKitError.invalidOption("--hold-out \(holdOut) must be in [0, 1)")
        }
        if name.isPublishedLongTailed || name.isOwnData {
            guard holdOut == 0 else { throw TailKitError.invalidOption("--hold-out applies to data sets built by the count rule, not to \(name.rawValue)") }
            if name.isOwnData && imbFactor < 1 { return try naturalLongTailed(imbFactor: imbFactor, profile: profile, rng: &rng) }
            return LongTailedTrainingSet(set: train, indices: Array(0..<train.count), counts: train.classCounts())
        }
        let kept = holdOut > 0 ? try keptIndices(holdOut: holdOut, rng: &rng) : Array(0..<train.count)
        let candidates = holdOut > 0 ? train.subset(kept) : train
        let subset = name == .svhn
            ? try LongTail.svhn(candidates, imbFactor: imbFactor, profile: profile, rng: &rng)
            : try LongTail.cifar(candidates, imbFactor: imbFactor, profile: profile, rng: &rng)
        return LongTailedTrainingSet(set: subset.set, indices: subset.indices.map { kept[$0] }, counts: subset.countsByLabel)
    }

    /// A user's data set made more long-tailed on request (--imb-factor below 1): classes ranked
    /// by their natural counts, the count rule from the largest class's size, each class capped
    /// at the images it has.
    private func naturalLongTailed(imbFactor: Double, profile: ImbalanceProfile, rng: inout NumpyRandomState) throws -> LongTailedTrainingSet {
        let natural = train.classCounts()
        let order = classOrder
        let rule = try LongTail.counts(head: Double(natural.max() ?? 1), classes: natural.count, imbFactor: imbFactor, profile: profile)
        let counts = zip(rule, order).map { min($0, natural[$1]) }
        let subset = try LongTail.select(from: train, countsByRank: counts, classOrder: order, rng: &rng)
        return LongTailedTrainingSet(set: subset.set, indices: subset.indices, counts: subset.countsByLabel)
    }

    /// Per class, a seeded shuffle, then all but the first ⌊holdOut·n_c⌋ images are kept.
    private func keptIndices(holdOut: Double, rng: inout NumpyRandomState) throws -> [Int] {
        var kept: [Int] = []
        for var members in LongTail.indicesByClass(train.labels, classes: train.numClasses) {
            rng.shuffle(&members)
            kept += members.dropFirst(Int(Double(members.count) * holdOut)).sorted()
        }
        return kept.sorted()
    }

    /// SVHN's `extra_32x32.mat` (531,131 images) from the data folder.
    public func svhnExtra() throws -> ImageSet {
        guard let root = dataDir else { throw TailKitError.invalidOption("--data-dir is needed for SVHN's extra split") }
        return try SVHN.load(split: .extra, root: root)
    }

    /// The class order of the long-tailed rule (SVHN ranks digits 1..9,0; a user's data set ranks
    /// its classes by their natural counts, largest first).
    public var classOrder: [Int] {
        if name.isOwnData {
            let counts = train.classCounts()
            return counts.indices.sorted { (counts[$0], -$0) > (counts[$1], -$1) }
        }
        return name == .svhn ? LongTail.svhnClassOrder : Array(0..<train.numClasses)
    }
}

/// CIFAR from whatever published form is under `root`: the python pickles (folder or
/// `cifar-*-python.tar.gz`) or the binary version (folder or `cifar-*-binary.tar.gz`).
private func loadCIFAR(cifar100: Bool, root: String) throws -> (ImageSet, ImageSet) {
    let fm = FileManager.default
    let pyDir = cifar100 ? "cifar-100-python" : "cifar-10-batches-py"
    let pyArchive = cifar100 ? "cifar-100-python.tar.gz" : "cifar-10-python.tar.gz"
    let binDir = cifar100 ? "cifar-100-binary" : "cifar-10-batches-bin"
    let binArchive = cifar100 ? "cifar-100-binary.tar.gz" : "cifar-10-binary.tar.gz"
    if fm.fileExists(atPath: "\(root)/\(pyDir)") {
        return (try CIFARPickle.load(root: root, cifar100: cifar100, train: true),
                try CIFARPickle.load(root: root, cifar100: cifar100, train: false))
    }
    if fm.fileExists(atPath: "\(root)/\(pyArchive)") {
        let archive = try TarArchive(contentsOf: "\(root)/\(pyArchive)")
        let read: (String) throws -> [UInt8]? = { archive[$0] }
        let display = "\(root)/\(pyArchive)"
        return (try CIFARPickle.load(cifar100: cifar100, train: true, displayRoot: display, read: read),
                try CIFARPickle.load(cifar100: cifar100, train: false, displayRoot: display, read: read))
    }
    if fm.fileExists(atPath: "\(root)/\(binDir)") {
        let dir = "\(root)/\(binDir)"
        return cifar100
            ? (try CIFARBinary.loadCIFAR100(root: dir, train: true), try CIFARBinary.loadCIFAR100(root: dir, train: false))
            : (try CIFARBinary.loadCIFAR10(root: dir, train: true), try CIFARBinary.loadCIFAR10(root: dir, train: false))
    }
    if fm.fileExists(atPath: "\(root)/\(binArchive)") {
        let archive = "\(root)/\(binArchive)"
        return cifar100
            ? (try CIFARBinary.loadCIFAR100(archive: archive, train: true), try CIFARBinary.loadCIFAR100(archive: archive, train: false))
            : (try CIFARBinary.loadCIFAR10(archive: archive, train: true), try CIFARBinary.loadCIFAR10(archive: archive, train: false))
    }
    throw TailKitError.badFile(path: root, problem: "no CIFAR files found: expected \(pyDir)/, \(pyArchive), \(binDir)/ or \(binArchive)")
}
