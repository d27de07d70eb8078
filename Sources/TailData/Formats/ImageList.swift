/// A dataset given as a list file of `"<relative/path> <label>"` lines under a root folder, as
/// ImageNet-LT (`ImageNet_LT_train.txt`) and iNaturalist 2018 ship. Images differ in size, so
/// they are decoded on demand; `loadAll` resizes small sets into one `ImageSet`.
public struct ImageList: Sendable, Equatable {
    public var root: String
    public var paths: [String]
    public var labels: [Int]
    public var classNames: [String]
    /// The 1-based line of the list file each image came from (errors name it).
    public var lineNumbers: [Int]
    /// The list file, when the set was read from one.
    public var listFile: String?

    public init(root: String, paths: [String], labels: [Int], classNames: [String], lineNumbers: [Int]? = nil,
                listFile: String? = nil) {
        self.root = root
        self.paths = paths
        self.labels = labels
        self.classNames = classNames
        self.lineNumbers = lineNumbers ?? labels.indices.map { $0 + 1 }
        self.listFile = listFile
    }

    /// Parses `listFile`. Classes are `classNames` when given, else `0..<classCount`, else
    /// `0...max label`; every label must fall in that range.
    public init(listFile: String, root: String, classCount: Int? = nil, classNames: [String]? = nil) throws {
        try self.init(listBytes: DatasetFileIO.read(listFile), listFile: listFile, root: root, classCount: classCount,
                      classNames: classNames)
    }

    /// Largest number of classes a list file's labels may imply (iNaturalist 2018 has 8,142):
    /// a label of 10^12 must not allocate 10^12 class names.
    public static let maxInferredClasses = 1 << 20

    /// Parses the bytes of a list file; `listFile` names it in errors.
    public init(listBytes: [UInt8], listFile: String, root: String, classCount: Int? = nil,
                classNames: [String]? = nil) throws {
        var paths: [String] = []
        var labels: [Int] = []
        var lineNumbers: [Int] = []
        for (number, line) in try Self.lines(listBytes, listFile).enumerated() {
            let entry = line.trimmingListBlanks()
            if entry.isEmpty { continue }
            guard let split = entry.lastIndex(where: { $0 == " " || $0 == "\t" }),
                  let label = Int(entry[entry.index(after: split)...])
            else {
                throw DataError.badHeader(path: listFile, detail: "line \(number + 1) is not '<path> <integer label>'")
            }
            paths.append(String(entry[..<split].trimmingListBlanks()))
            labels.append(label)
            lineNumbers.append(number + 1)
        }
        let inferred = labels.max().map { $0 < Self.maxInferredClasses ? $0 + 1 : Self.maxInferredClasses } ?? 0
        let count = classNames?.count ?? classCount ?? inferred
        for (i, label) in labels.enumerated() where label < 0 || label >= count {
            throw DataError.labelOutOfRange(path: listFile, index: i, label: label, validRange: "0..<\(count)")
        }
        self.init(root: root, paths: paths, labels: labels,
                  classNames: classNames ?? (0..<count).map(String.init), lineNumbers: lineNumbers, listFile: listFile)
    }

    public var count: Int { labels.count }

    /// The full path of image `i` (an absolute entry stands as it is).
    public func path(_ i: Int) -> String {
        paths[i].hasPrefix("/") ? paths[i] : DatasetFileIO.join(root, paths[i])
    }

    /// Image `i` decoded to RGB at its own size.
    public func decode(_ i: Int) throws -> DecodedImage {
        guard paths.indices.contains(i) else {
            throw DataError.invalidArgument("image index \(i) is outside 0..<\(count)")
        }
        return try DecodedImage.decodeFile(path(i))
    }

    /// Every image decoded and resized to `size`, in list order.
    public func loadAll(resizeTo size: (height: Int, width: Int)) throws -> ImageSet {
        try loadAll(resizeTo: size, skipUndecodable: false).set
    }

    /// Every image decoded and resized to `size`, in list order. With `skipUndecodable` an image
    /// that cannot be read or decoded (missing, truncated, not JPEG/PNG) is left out and reported
    /// in `skipped` (its index and the error); without it the first such image throws.
    public func loadAll(resizeTo size: (height: Int, width: Int), skipUndecodable: Bool) throws
        -> (set: ImageSet, kept: [Int], skipped: [(index: Int, error: DataError)])
    {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(count * size.height * size.width * 3)
        var kept: [Int] = [], skipped: [(index: Int, error: DataError)] = []
        for i in 0..<count {
            do {
                pixels += try decode(i).resized(width: size.width, height: size.height).pixels
                kept.append(i)
            } catch let error as DataError where skipUndecodable {
                skipped.append((i, error))
            }
        }
        let set = ImageSet(images: pixels, labels: kept.map { labels[$0] }, height: size.height, width: size.width,
                           channels: 3, classNames: classNames)
        return (set, kept, skipped)
    }

    /// Images per class, indexed by label.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels where counts.indices.contains(label) { counts[label] += 1 }
        return counts
    }

    private static func lines(_ bytes: [UInt8], _ listFile: String) throws -> [Substring] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError.undecodable(path: listFile, detail: "list file is not valid UTF-8")
        }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and CRs.
    fileprivate func trimmingListBlanks() -> Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
