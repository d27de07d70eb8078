import Foundation

/// A parsed JSON value that keeps booleans and numbers apart (Foundation's `JSONSerialization`
/// returns both as `NSNumber` on Linux). The run log writes non-finite numbers as the strings
/// "nan", "inf", "-inf" (`RunLog.floats`); `number` reads those back as numbers.
///
/// ```swift
/// let v = try JSONValue.parse(Data(#"{"loss":"nan","step":3}"#.utf8))
/// v["step"]?.number  // 3
/// ```
indirect enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    /// A number, or a non-finite one written as a string; nil for anything else.
    var number: Double? {
        switch self {
        case let .number(d): return d
        case .string("nan"): return .nan
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        default: return nil
        }
    }

    var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// Every element a number (or non-finite string, or null, which `Metrics` writes for a
    /// non-finite entry and which reads as NaN): a per-class vector.
    var numbers: [Double]? {
        guard case let .array(a) = self else { return nil }
        var out: [Double] = []
        out.reserveCapacity(a.count)
        for e in a {
            guard let d = e.number ?? (e == .null ? .nan : nil) else { return nil }
            out.append(d)
        }
        return out
    }

    /// A matrix such as the confusion matrix: every element a list of numbers, or what
    /// `MatrixStripper` left in a matrix's place.
    var isMatrix: Bool {
        if case .string(MatrixStripper.marker) = self { return true }
        guard case let .array(a) = self, !a.isEmpty else { return false }
        return a.allSatisfy { $0.numbers != nil }
    }
}
