import Foundation

/// The checkpoints that the reference code itself wrote (`../shared/fixtures/reference/`, beside the
/// repository), with the outputs it computes for them.
public enum ReferenceFixtures {
    public static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/reference").path
    }

    public static func path(_ name: String) -> String { directory + "/" + name }

    /// The fixed input batch, float32 [8, 3, 32, 32].
    public static func input() throws -> NPYArray { try NPYArray(path: path("input_8x3x32x32.npy")) }

    /// What the reference model computes for `input()` from the checkpoint `name`.
    public static func expectedOutput(_ name: String) throws -> NPYArray { try NPYArray(path: path(name + ".logits.npy")) }
}

/// A little-endian float32 `.npy` file (format versions 1–3), as `numpy.save` writes it.
public struct NPYArray {
    public var shape: [Int]
    public var values: [Float]

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NPYError(description: "\(path): cannot read")
        }
        let bytes = [UInt8](data)
        guard bytes.count > 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw NPYError(description: "\(path): not a .npy file")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let start = major == 1 ? 10 : 12
        guard start + headerLength <= bytes.count else { throw NPYError(description: "\(path): truncated header") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False") else {
            throw NPYError(description: "\(path): expected C-order little-endian float32, header \(header)")
        }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw NPYError(description: "\(path): no shape in header \(header)")
        }
        shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let body = start + headerLength
        guard bytes.count - body == count * 4 else {
            throw NPYError(description: "\(path): \(bytes.count - body) data bytes for shape \(shape)")
        }
        values = (0..<count).map { i in
            let o = body + 4 * i
            return Float(bitPattern: UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
        }
    }
}

public struct NPYError: Error, CustomStringConvertible {
    public var description: String
}
