import Logging

/// The library's messages (what was loaded, what was skipped, warnings) go through swift-log, so an
/// application decides where they go; the `tailkit` program prints them plainly on standard error.
///
/// ```swift
/// TailKitLog.logger.logLevel = .warning   // quieter
/// TailKitLog.info("pretrained: loaded 186 of 188 tensors")
/// ```
public enum TailKitLog {
    public nonisolated(unsafe) static var logger = Logger(label: "tailkit")

    public static func info(_ message: String) { logger.info("\(message)") }
    public static func warning(_ message: String) { logger.warning("\(message)") }
}
