/// STL-10 binary release (`stl10_binary/`): `*_X.bin` hold N x 3 x 96 x 96 bytes with each
/// channel plane stored column-major (W-major), `*_y.bin` hold one byte per image, 1...10.
/// `unlabeled_X.bin` has no labels; its images get label -1. Output is HWC.
public enum STL10 {
    public enum Split: String, Sendable, CaseIterable {
        case train, test, unlabeled
    }

    private static let side = 96
    private static let imageBytes = 3 * 96 * 96

    /// The split from `root` (the `stl10_binary` folder or its parent); names from `class_names.txt`.
    public static func load(split: Split, root: String) throws -> ImageSet {
        let folder = resolveFolder(root)
        let names = try DatasetFileIO.readLines(DatasetFileIO.join(folder, "class_names.txt"))
        guard names.count == 10 else {
            throw DataError.badHeader(path: DatasetFileIO.join(folder, "class_names.txt"),
                                      detail: "\(names.count) class names, expected 10")
        }
        let imagesPath = DatasetFileIO.join(folder, "\(split.rawValue)_X.bin")
        let labelsPath = DatasetFileIO.join(folder, "\(split.rawValue)_y.bin")
        let pixels = try DatasetFileIO.read(imagesPath)
        let labels = split == .unlabeled ? nil : try DatasetFileIO.read(labelsPath)
        // Consumed, so the (gigabyte-sized, for `unlabeled`) buffer is interleaved without a copy.
        return try imageSet(pixels: consume pixels, imagesPath: imagesPath, labels: labels,
                            labelsPath: labelsPath, classNames: names)
    }

    /// The set from the bytes of an `*_X.bin` file and of its `*_y.bin` file (nil for the
    /// unlabeled split, whose labels are all -1); the paths name the files in errors.
    public static func imageSet(pixels: consuming [UInt8], imagesPath: String, labels labelBytes: [UInt8]?, labelsPath: String,
                                classNames names: [String]) throws -> ImageSet {
        guard pixels.count % imageBytes == 0 else {
            throw DataError.truncated(
                path: imagesPath, detail: "\(pixels.count) bytes is not a whole number of \(imageBytes)-byte images")
        }
        let count = pixels.count / imageBytes
        let labels = try labelBytes.map { try checkedLabels($0, labelsPath, imageCount: count) }
            ?? [Int](repeating: -1, count: count)
        interleaveInPlace(&pixels, count: count)
        return ImageSet(images: pixels, labels: labels, height: side, width: side, channels: 3, classNames: names)
    }

    private static func checkedLabels(_ bytes: [UInt8], _ path: String, imageCount: Int) throws -> [Int] {
        guard bytes.count == imageCount else {
            throw DataError.countMismatch(path: path, images: imageCount, labels: bytes.count)
        }
        return try bytes.enumerated().map { i, label in
            guard (1...10).contains(label) else {
                throw DataError.labelOutOfRange(path: path, index: i, label: Int(label), validRange: "1...10")
            }
            return Int(label) - 1
        }
    }

    /// Each image from planes of [w * 96 + h] to HWC, one image of scratch so the 2.7 GB
    /// unlabeled split is not held twice.
    private static func interleaveInPlace(_ pixels: inout [UInt8], count: Int) {
        var scratch = [UInt8](repeating: 0, count: imageBytes)
        let plane = side * side
        pixels.withUnsafeMutableBufferPointer { all in
            scratch.withUnsafeMutableBufferPointer { image in
                for n in 0..<count {
                    let base = all.baseAddress! + n * imageBytes
                    image.baseAddress!.update(from: base, count: imageBytes)
                    for c in 0..<3 {
                        for w in 0..<side {
                            for h in 0..<side {
                                base[(h * side + w) * 3 + c] = image[c * plane + w * side + h]
                            }
                        }
                    }
                }
            }
        }
    }

    private static func resolveFolder(_ root: String) -> String {
        let nested = DatasetFileIO.join(root, "stl10_binary")
        return DatasetFileIO.isDirectory(nested) ? nested : root
    }
}
