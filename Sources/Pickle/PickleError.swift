/// Why a pickle could not be read or did not have the expected structure.
/// `offset` is the byte position of the failing opcode (nil for structure errors found after parsing).
public struct PickleError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The data ended before STOP or inside an opcode's argument.
        case truncated
        /// An opcode this reader does not know, or one used in an impossible way.
        case malformed
        /// A well-formed pickle whose objects are not the ones the caller expects.
        case unexpectedStructure
    }

    public var kind: Kind
    public var opcode: UInt8?
    public var offset: Int?
    public var reason: String

    public init(kind: Kind, opcode: UInt8? = nil, offset: Int? = nil, reason: String) {
        self.kind = kind
        self.opcode = opcode
        self.offset = offset
        self.reason = reason
    }

    public static func structure(_ reason: String) -> PickleError {
        PickleError(kind: .unexpectedStructure, reason: reason)
    }

    public var description: String {
        var where_ = ""
        if let opcode {
            let printable = opcode >= 0x20 && opcode < 0x7F ? " '\(Character(Unicode.Scalar(opcode)))'" : ""
            where_ += "opcode 0x\(String(opcode, radix: 16))\(printable)"
        }
        if let offset { where_ += (where_.isEmpty ? "" : " ") + "at byte \(offset)" }
        return where_.isEmpty ? "pickle: \(reason)" : "pickle: \(reason) (\(where_))"
    }
}
