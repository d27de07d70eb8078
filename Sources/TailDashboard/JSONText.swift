import Foundation

/// Compact JSON for the page, written by hand so that non-finite numbers (a diverging loss) become
/// `null` (a gap in a curve) instead of failing the whole encoding, as `JSONSerialization` would.
///
/// ```swift
/// JSONText.value(JSONObject([("loss", Double.nan), ("name", "ce")]))  // {"loss":null,"name":"ce"}
/// ```
enum JSONText {
    static func value(_ v: Any?) -> String {
        var out = ""
        write(v, into: &out)
        return out
    }

    static func write(_ v: Any?, into out: inout String) {
        switch v {
        case nil, is NSNull: out += "null"
        case let b as Bool: out += b ? "true" : "false"
        case let i as Int: out += String(i)
        case let d as Double: number(d, into: &out)
        case let n as NSNumber: number(n.doubleValue, into: &out)
        case let s as String: string(s, into: &out)
        case let a as [Any?]: list(a, into: &out)
        case let a as [Any]: list(a, into: &out)
        case let r as RawJSON: out += r.text
        case let o as JSONObject:
            out += "{"
            for (i, (k, value)) in o.fields.enumerated() {
                if i > 0 { out += "," }
                string(k, into: &out)
                out += ":"
                write(value, into: &out)
            }
            out += "}"
        case let o as [String: Any]:
            write(JSONObject(o.sorted { $0.key < $1.key }.map { ($0.key, Optional($0.value)) }), into: &out)
        default: out += "null"
        }
    }

    private static func list(_ a: [Any?], into out: inout String) {
        out += "["
        for (i, e) in a.enumerated() {
            if i > 0 { out += "," }
            write(e, into: &out)
        }
        out += "]"
    }

    /// Integers print without a fraction; others in Swift's shortest round-trip form.
    static func number(_ d: Double, into out: inout String) {
        guard d.isFinite else { out += "null"; return }
        if d == d.rounded(), abs(d) < 1e15 { out += String(Int(d)) } else { out += "\(d)" }
    }

    static func string(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // `<` escaped so that no string can close a <script> element if JSON is ever inlined in HTML.
            case "<": out += "\\u003c"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }
}

/// A JSON object whose keys keep the order given (a wrapper, so that an empty one is still `{}`).
struct JSONObject {
    var fields: [(String, Any?)]
    init(_ fields: [(String, Any?)]) { self.fields = fields }
}
