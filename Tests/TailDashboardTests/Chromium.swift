import Foundation

/// Debian's Chromium (installed by scripts/setup.sh) and the script that drives it
/// (`scripts/dashboard_browser_check.py`, DevTools protocol over a pipe, standard library only).
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static var checkScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/dashboard_browser_check.py").path
    }

    /// Runs the check script with `arguments` and returns its JSON report (as bytes: it crosses threads).
    static func check(_ arguments: [String]) throws -> Data {
        guard let chromium = path else { throw RawHTTP.Failure("no chromium") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-s", "-S", checkScript, "--chromium", chromium] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RawHTTP.Failure("the browser check failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self).suffix(2000))")
        }
        return data
    }

    static func parse(_ data: Data) throws -> [String: Any] {
        guard let report = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RawHTTP.Failure("the browser check printed no JSON object: \(String(decoding: data, as: UTF8.self).prefix(500))")
        }
        return report
    }
}
