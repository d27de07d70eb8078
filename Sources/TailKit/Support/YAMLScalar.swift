import Yams

/// Strings as YAML scalars for the `config.yaml` files TailKit writes.
enum YAMLScalar {
    /// `text` plain when YAML reads it back as the same string (`/tmp/runs/a`), else double-quoted
    /// with `\`, `"` and control characters escaped: readable paths, never JSON's `\/`.
    static func string(_ text: String) -> String {
        if let back = try? Yams.load(yaml: "k: " + text) as? [String: String], back["k"] == text { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
