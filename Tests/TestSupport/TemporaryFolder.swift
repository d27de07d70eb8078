import Foundation

/// A fresh folder under the system temp directory for one test, which the test removes when it ends:
///
/// ```swift
/// let folder = try TemporaryFolder("tk-run")
/// defer { folder.remove() }
/// ```
public struct TemporaryFolder: Sendable {
    public let path: String

    public init(_ prefix: String = "tailkit-test") throws {
        path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `path/name`, not created.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` (creating sub-folders) and returns the full path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    @discardableResult
    public func write(_ name: String, text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    /// Removes the folder and everything in it.
    public func remove() { TemporaryFolder.remove(path) }

    /// Removes a folder (or file) a helper created for a test, e.g. `TinyDataset.writeMNISTStyle()`'s.
    public static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
