import Pickle

/// CIFAR-100 with both label levels: `images.labels` are the 100 fine labels.
public struct CIFAR100Split: Sendable, Equatable {
    public var images: ImageSet
    public var coarseLabels: [Int]
    public var coarseClassNames: [String]

    public init(images: ImageSet, coarseLabels: [Int], coarseClassNames: [String]) {
        self.images = images
        self.coarseLabels = coarseLabels
        self.coarseClassNames = coarseClassNames
    }
}

/// Reads the "python version" CIFAR archives as extracted: `cifar-10-batches-py/` and
/// `cifar-100-python/`. Those pickles were written by Python 2 (protocol 2, `str` keys stored
/// as byte strings), each holding `data` (uint8 [N, 3072], per image 1024 R, 1024 G, 1024 B
/// values) and labels as a list of ints. Images come out in HWC order.
public enum CIFARPickle {
    /// Reads a split from `root`, the folder that contains `cifar-10-batches-py` or `cifar-100-python`.
    public static func load(root: String, cifar100: Bool, train: Bool) throws -> ImageSet {
        try load(cifar100: cifar100, train: train, displayRoot: root, read: fileReader(root))
    }

    public static func loadCIFAR100(root: String, train: Bool) throws -> CIFAR100Split {
        try loadCIFAR100(train: train, displayRoot: root, read: fileReader(root))
    }

    /// Reads a split from any source (e.g. entries of a tar.gz): `read` gets a relative path such
    /// as `cifar-10-batches-py/data_batch_1` and returns its bytes, or nil if there is no such file.
    public static func load(cifar100: Bool, train: Bool, displayRoot: String,
                            read: (String) throws -> [UInt8]?) throws -> ImageSet {
        if cifar100 { return try loadCIFAR100(train: train, displayRoot: displayRoot, read: read).images }
        let folder = "cifar-10-batches-py/"
        let names = try labelNames(try required(folder + "batches.meta", displayRoot, read),
                                   name: displayName(displayRoot, folder + "batches.meta"), key: "label_names")
        let files = train ? (1...5).map { "data_batch_\($0)" } : ["test_batch"]
        var images = [UInt8]()
        var labels = [Int]()
        for file in files {
            let name = displayName(displayRoot, folder + file)
            let batch = try decodeBatch(try required(folder + file, displayRoot, read), name: name,
                                        labelKey: "labels", numClasses: names.count)
            images.append(contentsOf: batch.images)
            labels.append(contentsOf: batch.labels)
        }
        return ImageSet(images: images, labels: labels, height: 32, width: 32, channels: 3, classNames: names)
    }

    public static func loadCIFAR100(train: Bool, displayRoot: String,
                                    read: (String) throws -> [UInt8]?) throws -> CIFAR100Split {
        let folder = "cifar-100-python/"
        let metaName = displayName(displayRoot, folder + "meta")
        let meta = try required(folder + "meta", displayRoot, read)
        let fine = try labelNames(meta, name: metaName, key: "fine_label_names")
        let coarse = try labelNames(meta, name: metaName, key: "coarse_label_names")
        let file = folder + (train ? "train" : "test")
        let name = displayName(displayRoot, file)
        let root = try PickleFile.parse(try required(file, displayRoot, read), name: name)
        let batch = try decodeBatch(root, name: name, labelKey: "fine_labels", numClasses: fine.count)
        let coarseLabels = try PickleFile.intList(try PickleFile.entry(root, "coarse_labels", name: name),
                                                  "coarse_labels", name: name)
        guard coarseLabels.count == batch.labels.count else {
            throw DataError.countMismatch(path: name, images: batch.labels.count, labels: coarseLabels.count)
        }
        try PickleFile.checkLabels(coarseLabels, count: coarse.count, name: name)
        let images = ImageSet(images: batch.images, labels: batch.labels, height: 32, width: 32, channels: 3,
                              classNames: fine)
        return CIFAR100Split(images: images, coarseLabels: coarseLabels, coarseClassNames: coarse)
    }

    /// Decodes one batch file: HWC images and the labels under `labelKey` (`labels` or `fine_labels`).
    public static func decodeBatch(_ bytes: [UInt8], name: String, labelKey: String,
                                   numClasses: Int) throws -> (images: [UInt8], labels: [Int]) {
        try decodeBatch(try PickleFile.parse(bytes, name: name), name: name, labelKey: labelKey, numClasses: numClasses)
    }

    private static func decodeBatch(_ root: PickleValue, name: String, labelKey: String,
                                    numClasses: Int) throws -> (images: [UInt8], labels: [Int]) {
        let array = try PickleFile.array(try PickleFile.entry(root, "data", name: name), "data", name: name)
        let labels = try PickleFile.intList(try PickleFile.entry(root, labelKey, name: name), labelKey, name: name)
        let pixels = 3 * 32 * 32
        guard array.descr == "|u1", !array.fortranOrder, let count = array.shape.first,
              array.shape == [count, pixels] || array.shape == [count, 3, 32, 32] else {
            throw DataError.badHeader(path: name, detail: "'data' is \(array.descr) \(array.shape), expected uint8 [N, 3072]")
        }
        guard labels.count == count else { throw DataError.countMismatch(path: name, images: count, labels: labels.count) }
        try PickleFile.checkLabels(labels, count: numClasses, name: name)
        return (cifarPlanarToInterleaved(array.data, count: count), labels)
    }

    /// The class names stored under `key` in a meta file (`label_names`, `fine_label_names`...).
    public static func labelNames(_ bytes: [UInt8], name: String, key: String) throws -> [String] {
        let root = try PickleFile.parse(bytes, name: name)
        let value = try PickleFile.entry(root, key, name: name)
        guard let items = value.sequenceItems, !items.isEmpty else {
            throw DataError.badHeader(path: name, detail: "'\(key)' is \(value.kindName), expected a list of names")
        }
        return try items.map {
            guard let text = $0.text else { throw DataError.badHeader(path: name, detail: "'\(key)' holds a \($0.kindName)") }
            return text
        }
    }

    /// Per image, three 32x32 planes (R, G, B) become 32x32 RGB pixels.
    private static func cifarPlanarToInterleaved(_ planar: [UInt8], count: Int) -> [UInt8] {
        let plane = 32 * 32
        var out = [UInt8](repeating: 0, count: count * 3 * plane)
        planar.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for image in 0..<count {
                    let s = src.baseAddress! + image * 3 * plane
                    let d = dst.baseAddress! + image * 3 * plane
                    for p in 0..<plane {
                        d[3 * p] = s[p]
                        d[3 * p + 1] = s[plane + p]
                        d[3 * p + 2] = s[2 * plane + p]
                    }
                }
            }
        }
        return out
    }

    private static func fileReader(_ root: String) -> (String) throws -> [UInt8]? {
        { relative in
            let path = displayName(root, relative)
            do {
                return try PickleFile.readBytes(path: path)
            } catch DataError.missingFile {
                return nil
            }
        }
    }

    private static func required(_ relative: String, _ root: String,
                                 _ read: (String) throws -> [UInt8]?) throws -> [UInt8] {
        guard let bytes = try read(relative) else { throw DataError.missingFile(path: displayName(root, relative)) }
        return bytes
    }

    private static func displayName(_ root: String, _ relative: String) -> String {
        root.isEmpty ? relative : (root.hasSuffix("/") ? root + relative : root + "/" + relative)
    }
}
