/// SVHN cropped digits (`train_32x32.mat`, `test_32x32.mat`, `extra_32x32.mat`): MATLAB files
/// with `X` uint8 [32, 32, 3, N] (column-major, so X[h, w, c, n]) and `y` [N, 1] holding
/// 1...10, where 10 means digit 0. Labels become the digit, as torchvision maps them.
public enum SVHN {
    public enum Split: String, Sendable, CaseIterable {
        case train, test, extra

        public var fileName: String { "\(rawValue)_32x32.mat" }
    }

    public static let classNames = (0...9).map(String.init)
    private static let side = 32
    private static let imageBytes = 32 * 32 * 3

    /// The split's file in `root`.
    public static func load(split: Split, root: String) throws -> ImageSet {
        try load(path: DatasetFileIO.join(root, split.fileName))
    }

    /// One SVHN MAT-file.
    public static func load(path: String) throws -> ImageSet {
        var mat = try MATFile(contentsOf: path)
        return try imageSet(from: &mat, path: path)
    }

    /// The images of a parsed SVHN MAT-file; `X` is moved out of `mat` to avoid a copy.
    public static func imageSet(from mat: inout MATFile, path: String) throws -> ImageSet {
        guard var x = mat.removeArray(named: "X") else {
            throw DataError.badHeader(path: path, detail: "no numeric variable 'X'")
        }
        guard let y = mat["y"] else {
            throw DataError.badHeader(path: path, detail: "no numeric variable 'y'")
        }
        guard x.dimensions.count == 4 || (x.dimensions.count == 3 && x.count == imageBytes),
              Array(x.dimensions.prefix(3)) == [side, side, 3]
        else {
            throw DataError.badHeader(path: path, detail: "X has dimensions \(x.dimensions), expected [32, 32, 3, N]")
        }
        let labels = try digitLabels(y, path: path)
        let count = x.dimensions.count == 4 ? x.dimensions[3] : 1
        guard count == labels.count else {
            throw DataError.countMismatch(path: path, images: count, labels: labels.count)
        }
        let images = try interleavedPixels(&x, count: count, path: path)
        return ImageSet(images: images, labels: labels, height: side, width: side, channels: 3,
                        classNames: classNames)
    }

    /// `y` as digits: a vector of integers 1...10 (0 is accepted as digit 0 as well).
    private static func digitLabels(_ y: MATArray, path: String) throws -> [Int] {
        guard y.dimensions.filter({ $0 != 1 }).count <= 1 else {
            throw DataError.badHeader(path: path, detail: "y has dimensions \(y.dimensions), expected [N, 1]")
        }
        return try y.doubles().enumerated().map { i, value in
            guard value >= 0, value <= 10, value == value.rounded() else {
                // -1 stands for a value no Int holds (NaN, infinity, -1e300).
                let shown = Int(exactly: value.rounded(.down)) ?? -1
                throw DataError.labelOutOfRange(path: path, index: i, label: shown, validRange: "1...10")
            }
            return Int(value) % 10
        }
    }

    /// X's pixels per image from [h + 32 w + 1024 c] (column-major) to HWC, in place so the
    /// 1.6 GB `extra` split is not held twice.
    private static func interleavedPixels(_ x: inout MATArray, count: Int, path: String) throws -> [UInt8] {
        var pixels = try uint8Values(x, path: path)
        x.realBytes = []  // leaves `pixels` the only owner, so the loop below does not copy
        var scratch = [UInt8](repeating: 0, count: imageBytes)
        pixels.withUnsafeMutableBufferPointer { all in
            scratch.withUnsafeMutableBufferPointer { image in
                for n in 0..<count {
                    let base = all.baseAddress! + n * imageBytes
                    image.baseAddress!.update(from: base, count: imageBytes)
                    let red = image.baseAddress!, green = red + side * side, blue = green + side * side
                    var out = base
                    for h in 0..<side {
                        for w in 0..<side {
                            let source = h + side * w
                            out[0] = red[source]
                            out[1] = green[source]
                            out[2] = blue[source]
                            out += 3
                        }
                    }
                }
            }
        }
        return pixels
    }

    private static func uint8Values(_ x: MATArray, path: String) throws -> [UInt8] {
        if x.storage == .uint8 { return x.realBytes }
        return try x.doubles().map { value in
            guard value >= 0, value <= 255, value == value.rounded() else {
                throw DataError.badHeader(path: path, detail: "X holds \(value), expected bytes 0...255")
            }
            return UInt8(value)
        }
    }
}
