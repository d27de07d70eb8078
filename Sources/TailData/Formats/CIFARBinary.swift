/// CIFAR-10 and CIFAR-100 in their "binary version": fixed-size records of label byte(s) then
/// 3072 pixel bytes (1024 R, 1024 G, 1024 B, each plane 32x32 row-major). Reads the extracted
/// folders or the published `.tar.gz` archives directly. Output is HWC.
public enum CIFARBinary {
    /// Which CIFAR-100 label becomes `ImageSet.labels`.
    public enum CIFAR100Labels: Sendable { case fine, coarse }

    private static let side = 32
    private static let imageBytes = 3 * 32 * 32

    // MARK: Folders

    /// CIFAR-10 from `cifar-10-batches-bin` (`root` may be that folder or its parent):
    /// `data_batch_1..5.bin` for train, `test_batch.bin` for test, names from `batches.meta.txt`.
    public static func loadCIFAR10(root: String, train: Bool) throws -> ImageSet {
        let folder = resolveFolder(root, "cifar-10-batches-bin")
        let names = try classNames(DatasetFileIO.join(folder, "batches.meta.txt"), expected: 10)
        let batches = try cifar10Files(train: train).map { name in
            let file = DatasetFileIO.join(folder, name)
            return (bytes: try DatasetFileIO.read(file), path: file)
        }
        return try decode(batches, labelBytes: 1, using: .fine, classNames: names)
    }

    /// CIFAR-100 from `cifar-100-binary` (`root` may be that folder or its parent): `train.bin` or
    /// `test.bin`, names from `fine_label_names.txt` / `coarse_label_names.txt`.
    public static func loadCIFAR100(root: String, train: Bool, labels: CIFAR100Labels = .fine) throws -> ImageSet {
        let folder = resolveFolder(root, "cifar-100-binary")
        let namesFile = DatasetFileIO.join(folder, labels == .fine ? "fine_label_names.txt" : "coarse_label_names.txt")
        let names = try classNames(namesFile, expected: labels == .fine ? 100 : 20)
        let file = DatasetFileIO.join(folder, train ? "train.bin" : "test.bin")
        return try decode([(DatasetFileIO.read(file), file)], labelBytes: 2, using: labels, classNames: names)
    }

    // MARK: Archives

    /// CIFAR-10 straight from the published `cifar-10-binary.tar.gz`.
    public static func loadCIFAR10(archive: String, train: Bool) throws -> ImageSet {
        let tar = try TarArchive(contentsOf: archive)
        let names = try classNames(member("batches.meta.txt", of: tar, archive: archive), path: archive, expected: 10)
        let batches = try cifar10Files(train: train).map { name in
            (bytes: try member(name, of: tar, archive: archive), path: "\(archive) (\(name))")
        }
        return try decode(batches, labelBytes: 1, using: .fine, classNames: names)
    }

    /// CIFAR-100 straight from the published `cifar-100-binary.tar.gz`.
    public static func loadCIFAR100(archive: String, train: Bool, labels: CIFAR100Labels = .fine) throws -> ImageSet {
        let tar = try TarArchive(contentsOf: archive)
        let namesFile = labels == .fine ? "fine_label_names.txt" : "coarse_label_names.txt"
        let names = try classNames(member(namesFile, of: tar, archive: archive), path: archive,
                                   expected: labels == .fine ? 100 : 20)
        let file = train ? "train.bin" : "test.bin"
        return try decode([(member(file, of: tar, archive: archive), "\(archive) (\(file))")],
                          labelBytes: 2, using: labels, classNames: names)
    }

    // MARK: Records

    /// The images of one batch file's bytes (`data_batch_N.bin`: 1 label byte a record;
    /// CIFAR-100 `train.bin`/`test.bin`: coarse and fine label bytes); `path` names it in errors.
    public static func imageSet(records: [UInt8], path: String, cifar100: Bool, labels: CIFAR100Labels = .fine,
                                classNames: [String]) throws -> ImageSet {
        try decode([(records, path)], labelBytes: cifar100 ? 2 : 1, using: labels, classNames: classNames)
    }

    /// The class names of a `batches.meta.txt` / `*_label_names.txt` file's bytes, `expected` of them.
    public static func classNames(fileBytes bytes: [UInt8], path: String, expected: Int) throws -> [String] {
        try classNames(bytes, path: path, expected: expected)
    }

    /// Decodes batch files into one set. CIFAR-100 records carry `coarse, fine` label bytes;
    /// both are range-checked, `labels` picks the one kept.
    private static func decode(_ batches: [(bytes: [UInt8], path: String)], labelBytes: Int,
                               using labels: CIFAR100Labels, classNames: [String]) throws -> ImageSet {
        let recordSize = labelBytes + imageBytes
        var allLabels: [Int] = []
        for batch in batches {
            allLabels += try checkedLabels(batch.bytes, path: batch.path, labelBytes: labelBytes, using: labels)
        }
        var written = 0
        let images = [UInt8](unsafeUninitializedCapacity: allLabels.count * imageBytes) { out, initialized in
            for batch in batches {
                batch.bytes.withUnsafeBufferPointer { records in
                    for i in 0..<(records.count / recordSize) {
                        planarToInterleaved(records.baseAddress! + i * recordSize + labelBytes,
                                            out.baseAddress! + written)
                        written += imageBytes
                    }
                }
            }
            initialized = written
        }
        return ImageSet(images: images, labels: allLabels, height: side, width: side, channels: 3,
                        classNames: classNames)
    }

    /// The kept label of every record, after checking the file holds whole records and every
    /// label byte is in range.
    private static func checkedLabels(_ bytes: [UInt8], path: String, labelBytes: Int,
                                      using labels: CIFAR100Labels) throws -> [Int] {
        let recordSize = labelBytes + imageBytes
        guard bytes.count % recordSize == 0 else {
            throw DataError.truncated(
                path: path, detail: "\(bytes.count) bytes is not a whole number of \(recordSize)-byte records")
        }
        let labelOffset = labelBytes == 2 && labels == .fine ? 1 : 0
        let limits = labelBytes == 2 ? [20, 100] : [10]
        return try (0..<(bytes.count / recordSize)).map { i in
            for (j, limit) in limits.enumerated() where Int(bytes[i * recordSize + j]) >= limit {
                throw DataError.labelOutOfRange(path: path, index: i, label: Int(bytes[i * recordSize + j]),
                                                validRange: "0..<\(limit)")
            }
            return Int(bytes[i * recordSize + labelOffset])
        }
    }

    /// One image from R, G, B planes to interleaved RGB.
    @inline(__always)
    private static func planarToInterleaved(_ source: UnsafePointer<UInt8>, _ destination: UnsafeMutablePointer<UInt8>) {
        let plane = side * side
        for p in 0..<plane {
            destination[3 * p] = source[p]
            destination[3 * p + 1] = source[plane + p]
            destination[3 * p + 2] = source[2 * plane + p]
        }
    }

    // MARK: Helpers

    private static func cifar10Files(train: Bool) -> [String] {
        train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    /// `root/child` when that folder exists, else `root` itself.
    private static func resolveFolder(_ root: String, _ child: String) -> String {
        let nested = DatasetFileIO.join(root, child)
        return DatasetFileIO.isDirectory(nested) ? nested : root
    }

    private static func member(_ name: String, of tar: TarArchive, archive: String) throws -> [UInt8] {
        guard let bytes = tar.entry(endingWith: name) else {
            throw DataError.missingFile(path: "\(archive) (member \(name))")
        }
        return bytes
    }

    private static func classNames(_ path: String, expected: Int) throws -> [String] {
        try classNames(DatasetFileIO.read(path), path: path, expected: expected)
    }

    private static func classNames(_ bytes: [UInt8], path: String, expected: Int) throws -> [String] {
        let names = try DatasetFileIO.lines(of: bytes, path: path)
        guard names.count == expected else {
            throw DataError.badHeader(path: path, detail: "\(names.count) class names, expected \(expected)")
        }
        return names
    }
}
