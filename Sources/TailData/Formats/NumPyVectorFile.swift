import Foundation

/// A 1-D floating-point array saved by `numpy.save` (the `.npy` format, versions 1-3): the magic
/// `\x93NUMPY`, a version, the header's length (2 bytes little-endian in version 1, 4 in 2 and 3),
/// a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }`, then the
/// values. Only little-endian float32 (`<f4`) and float64 (`<f8`) vectors are read; anything else
/// is refused naming the file. DASO's DARP estimates (`darp_estim/*.npyz`) are such files despite
/// their extension (ytaek-oh/daso `lib/algorithm/darp_reproduce.py` reads them with `np.load`).
///
/// ```swift
/// let counts = try NumPyVectorFile.read(path: "darp_estim/stl10_l_450_10_ul_-1_-1_estim.npyz")
/// ```
public enum NumPyVectorFile {
    public static func read(path: String) throws -> [Double] {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError.missingFile(path: path) }
        return try decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), name: path)
    }

    public static func decode(_ bytes: [UInt8], name: String) throws -> [Double] {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw DataError.badHeader(path: name, detail: "not a NumPy .npy file (no \\x93NUMPY magic at the start)")
        }
        let major = bytes[6]
        guard (1...3).contains(major) else { throw DataError.badHeader(path: name, detail: "NumPy format version \(major) is not 1, 2 or 3") }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw DataError.truncated(path: name, detail: "the NumPy header's length is cut off") }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let start = 8 + lengthBytes
        guard bytes.count >= start + headerLength else {
            throw DataError.truncated(path: name, detail: "the NumPy header says \(headerLength) bytes; the file has \(bytes.count - start)")
        }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        let descr = try field(header, "descr", name: name)
        let width: Int
        switch descr {
        case "'<f4'": width = 4
        case "'<f8'": width = 8
        default: throw DataError.badHeader(path: name, detail: "dtype \(descr) is not float32 or float64 ('<f4' or '<f8')")
        }
        let shape = try field(header, "shape", name: name)
        let dims = shape.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard dims.count == 1, let count = Int(dims[0]) else {
            throw DataError.badHeader(path: name, detail: "shape \(shape) is not a 1-D array")
        }
        let dataStart = start + headerLength
        guard bytes.count - dataStart == count * width else {
            throw DataError.truncated(path: name, detail: "shape \(shape) of \(width)-byte values needs \(count * width) bytes; the file has \(bytes.count - dataStart)")
        }
        return (0..<count).map { i in
            let bits = (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[dataStart + i * width + $1]) << (8 * UInt64($1)) }
            return width == 4 ? Double(Float(bitPattern: UInt32(bits))) : Double(bitPattern: bits)
        }
    }

    /// The text after `'key':` up to the next top-level comma (a shape's parentheses kept whole).
    private static func field(_ header: String, _ key: String, name: String) throws -> String {
        guard let range = header.range(of: "'\(key)':") else {
            throw DataError.badHeader(path: name, detail: "the NumPy header has no '\(key)': \(header)")
        }
        var depth = 0, out = ""
        for ch in header[range.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if (ch == "," || ch == "}") && depth == 0 { break }
            out.append(ch)
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}
