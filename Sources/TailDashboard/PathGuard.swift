import Foundation

/// The only way a request reaches a file: the request path is checked before routing, and a file
/// is served only when its real path (symlinks resolved) lies inside a run folder's real path.
///
/// Refused (400): a percent-encoded slash, backslash or NUL (`%2F`, `%5C`, `%00`), a literal
/// backslash, a segment that is `.` or `..` before or after percent-decoding, bad percent-encoding.
///
/// ```swift
/// PathGuard.segments("/files/r0/config.yaml")  // ["files", "r0", "config.yaml"]
/// PathGuard.segments("/files/r0/..%2F..%2Fetc") // nil
/// ```
enum PathGuard {
    static let forbiddenEncodings = ["%2f", "%5c", "%00"]

    /// The decoded path segments of a request target (query dropped), or nil when it must be refused.
    static func segments(_ target: String) -> [String]? {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path.hasPrefix("/"), !path.contains("\\") else { return nil }
        let lower = path.lowercased()
        guard !forbiddenEncodings.contains(where: lower.contains) else { return nil }
        var out: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = raw.removingPercentEncoding, decoded != ".", decoded != "..", !decoded.contains("/"),
                  !decoded.contains("\0"), raw != ".", raw != ".." else { return nil }
            out.append(decoded)
        }
        return out
    }

    /// `realpath(3)`: absolute, symlinks resolved; nil when the path does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isInside(_ real: String, root: String) -> Bool {
        real.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// The file `relative` names in `folder`, when it is a regular file whose real path stays inside the folder.
    static func file(_ relative: [String], in folder: String) -> String? {
        guard !relative.isEmpty, let root = realPath(folder),
              let real = realPath(folder + "/" + relative.joined(separator: "/")), isInside(real, root: root) else { return nil }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return real
    }
}
