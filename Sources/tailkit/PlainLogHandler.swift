import Foundation
import Logging

/// The library's swift-log messages as the program shows them: the message alone on standard
/// error ("warning: " before warnings and worse), like the program's own lines.
struct PlainLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = event.level >= .warning ? "\(event.level): " : ""
        FileHandle.standardError.write(Data((prefix + event.message.description + "\n").utf8))
    }

    /// Routes every logger to this handler, once per process.
    static let bootstrap: Void = LoggingSystem.bootstrap { _ in PlainLogHandler() }
}
