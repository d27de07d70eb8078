import Foundation

/// Finds the run folders under the RUN_DIR arguments, again at every poll, so that a run started
/// after the dashboard appears: an argument that is itself a run folder, or its sub-folders (two
/// levels down: `runs/` finds `runs/demo/ce_balanced`) that are. A run folder holds at least one of
/// the files a TailKit run writes. Sub-folders reached through a symlink that leaves the argument's
/// folder are skipped: the dashboard only reads inside the folders it was given.
///
/// ```swift
/// RunDiscovery.runFolders(under: "runs")  // [("demo/ce_balanced", "/abs/runs/demo/ce_balanced"), ...]
/// ```
enum RunDiscovery {
    static let markers = ["log.jsonl", "config.yaml", "counts.json", "eval_last.json"]
    static let depth = 2

    /// (display name, real path) of each run folder under `root`, sorted by name.
    static func runFolders(under root: String) -> [(name: String, path: String)] {
        guard let real = PathGuard.realPath(root), RunFolderState.isDirectory(real) else { return [] }
        let base = URL(fileURLWithPath: real).lastPathComponent
        if isRunFolder(real) { return [(base, real)] }
        var found: [(String, String)] = []
        collect(real, name: "", root: real, level: 1, into: &found)
        return found.sorted { $0.0 < $1.0 }
    }

    static func isRunFolder(_ path: String) -> Bool {
        markers.contains { FileManager.default.fileExists(atPath: "\(path)/\($0)") }
    }

    private static func collect(_ folder: String, name: String, root: String, level: Int, into found: inout [(String, String)]) {
        guard level <= depth, let children = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for child in children where !child.hasPrefix(".") {
            guard let real = PathGuard.realPath("\(folder)/\(child)"), PathGuard.isInside(real, root: root),
                  RunFolderState.isDirectory(real) else { continue }
            let childName = name.isEmpty ? child : "\(name)/\(child)"
            if isRunFolder(real) {
                found.append((childName, real))
            } else {
                collect(real, name: childName, root: root, level: level + 1, into: &found)
            }
        }
    }
}
