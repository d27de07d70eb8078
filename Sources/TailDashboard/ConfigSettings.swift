import Foundation

/// The settings of a `config.yaml` as flat `key: value` pairs, for the side-by-side diff of runs.
/// TailKit writes one `key: value` per line (`TrainConfig.yaml()`); nested blocks are flattened to
/// `parent.child` and list items joined, so a hand-edited file still diffs line by line. Comments
/// and blank lines are skipped. No YAML library: this is for display, not for loading settings.
///
/// ```swift
/// ConfigSettings.flatten("loss: ce\nlr: 0.1\n")  // [("loss", "ce"), ("lr", "0.1")]
/// ```
enum ConfigSettings {
    static func flatten(_ text: String) -> [(String, String)] {
        var out: [(String, String)] = []
        var parents: [(indent: Int, key: String)] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let body = line.drop { $0 == " " }
            if body.isEmpty || body.hasPrefix("#") { continue }
            let indent = line.count - body.count
            while let last = parents.last, last.indent >= indent { parents.removeLast() }
            let prefix = parents.map(\.key).joined(separator: ".")
            if body.hasPrefix("- ") {
                let item = String(body.dropFirst(2))
                if let i = out.lastIndex(where: { $0.0 == prefix }) { out[i].1 += ", " + item } else { out.append((prefix, item)) }
                continue
            }
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = String(body[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(body[body.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            let full = prefix.isEmpty ? key : "\(prefix).\(key)"
            if value.isEmpty { parents.append((indent, key)) } else { out.append((full, value)) }
        }
        return out
    }
}
