import Foundation

/// Cuts every matrix (a list whose first element is a list: the confusion matrix) out of a log
/// line before it is parsed, leaving the string `"\u{1}matrix"` in its place. The page only needs
/// the matrix's name from the stream (it reads the matrix itself on request), and a 100-class
/// confusion matrix is 10,000 numbers, most of a line: one pass over the bytes instead of parsing it.
///
/// ```swift
/// MatrixStripper.strip(Data(#"{"c":[[1,2],[3,4]],"v":[1]}"#.utf8))  // {"c":"\u0001matrix","v":[1]}
/// ```
enum MatrixStripper {
    static let marker = "\u{1}matrix"
    private static let markerJSON = Array(#""\u0001matrix""#.utf8)
    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    private static let open = UInt8(ascii: "["), close = UInt8(ascii: "]")

    static func strip(_ line: Data) -> Data {
        let bytes = [UInt8](line)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == quote {
                let end = endOfString(bytes, from: i)
                out.append(contentsOf: bytes[i..<end])
                i = end
            } else if b == open, let next = firstNonSpace(bytes, after: i), bytes[next] == open {
                out.append(contentsOf: markerJSON)
                i = endOfList(bytes, from: i)
            } else {
                out.append(b)
                i += 1
            }
        }
        return Data(out)
    }

    /// Index just past the string starting at `start` (a quote).
    private static func endOfString(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start + 1
        while i < bytes.count {
            if bytes[i] == backslash { i += 2; continue }
            if bytes[i] == quote { return i + 1 }
            i += 1
        }
        return bytes.count
    }

    /// Index just past the list starting at `start` (a bracket), strings inside skipped whole.
    private static func endOfList(_ bytes: [UInt8], from start: Int) -> Int {
        var depth = 0, i = start
        while i < bytes.count {
            switch bytes[i] {
            case quote: i = endOfString(bytes, from: i); continue
            case open: depth += 1
            case close:
                depth -= 1
                if depth == 0 { return i + 1 }
            default: break
            }
            i += 1
        }
        return bytes.count
    }

    private static func firstNonSpace(_ bytes: [UInt8], after i: Int) -> Int? {
        var j = i + 1
        while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x0A || bytes[j] == 0x0D || bytes[j] == 0x09 { j += 1 }
        return j < bytes.count ? j : nil
    }
}
