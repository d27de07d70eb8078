import Foundation

/// PySpark as `make setup` installs it: `.deps/pyspark-<version>` of this checkout (TAILKIT_PYSPARK_PATH overrides).
public enum PySpark {
    public static let version = "4.3.0"

    public static func path() throws -> String {
        if let env = ProcessInfo.processInfo.environment["TAILKIT_PYSPARK_PATH"], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let folder = dir.appendingPathComponent(".deps/pyspark-\(version)")
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("pyspark").path) { return folder.path }
            dir = dir.deletingLastPathComponent()
        }
        throw PythonTorchFailure(description: "PySpark \(version) not found under .deps: run `make setup` or set TAILKIT_PYSPARK_PATH")
    }

    /// The repository's root (where scripts/ is), from this file's place in it.
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}
