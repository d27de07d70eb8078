import Foundation
import Testing
import TestSupport

/// The size check of the issue, run by hand (it is not part of `make test`):
///
///     TAILKIT_DASHBOARD_MEASURE=/tmp/dash-measure swift test --skip-build --filter DashboardLoadMeasurement
///
/// Writes 20 runs of 200 epochs (TAILKIT_DASHBOARD_CLASSES classes, default 10) under the folder, serves them with
/// the `tailkit dashboard` executable, and prints the server's memory (VmRSS / VmHWM from /proc) after it read
/// the runs and after a page load, the size and fetch time of /api/state, and the page load in headless Chromium
/// (time to the first drawn state as the page measures it, and wall time); saves a screenshot as dashboard.png.
@Suite(.serialized) struct DashboardLoadMeasurement {
    static let folder = ProcessInfo.processInfo.environment["TAILKIT_DASHBOARD_MEASURE"]

    @Test(.enabled(if: folder != nil && Chromium.path != nil, "set TAILKIT_DASHBOARD_MEASURE=FOLDER (and install chromium) to measure"))
    func twentyRunsOfTwoHundredEpochs() async throws {
        let root = Self.folder! + "/runs"
        let classes = Int(ProcessInfo.processInfo.environment["TAILKIT_DASHBOARD_CLASSES"] ?? "") ?? 10
        try? FileManager.default.removeItem(atPath: root)
        let rules = ["none", "drw", "resample", "reweight"]
        for r in 0..<20 {
            var run = try SyntheticRun(path: "\(root)/run\(String(format: "%02d", r))", classes: classes,
                                       config: ["loss": r % 2 == 0 ? "ce" : "ldam", "rule": rules[r % 4], "seed": String(r)])
            run.pace = 10 + 3 * Double(r)
            let lines = (0..<200).map { run.periodLine(epoch: $0) }.joined(separator: "\n") + "\n"
            try run.append(lines, newline: false)
        }
        let logBytes = (0..<20).compactMap { try? FileManager.default.attributesOfItem(atPath: "\(root)/run\(String(format: "%02d", $0))/log.jsonl")[.size] as? Int }.reduce(0, +)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
        process.arguments = ["dashboard", root, "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        let started = Date()
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(line.split(separator: " ").last.flatMap { URL(string: String($0).trimmingCharacters(in: .whitespacesAndNewlines))?.port })
        var state = ""
        while !state.contains(#""period_count":200,"#) || state.components(separatedBy: #""period_count":200,"#).count != 21 {
            state = try await offPool { try RawHTTP.get(port: port, "/api/state").text }
            try await Task.sleep(for: .milliseconds(100))
        }
        let ready = Date().timeIntervalSince(started)
        let rssRead = Self.memory(process.processIdentifier)
        var fetches: [Double] = []
        for _ in 0..<5 {
            let t0 = Date()
            _ = try await offPool { try RawHTTP.get(port: port, "/api/state") }
            fetches.append(Date().timeIntervalSince(t0) * 1000)
        }
        let shot = Self.folder! + "/dashboard.png"
        let output = try await offPool {
            try Chromium.check(["--url", "http://127.0.0.1:\(port)/", "--wait-confusion", "--screenshot", shot, "--timeout", "120"])
        }
        let report = try Chromium.parse(output)
        let before = try #require(report["before"] as? [String: Any])
        let rssPage = Self.memory(process.processIdentifier)
        print("""
            dashboard measurement: 20 runs x 200 epochs, \(classes) classes, log.jsonl total \(logBytes / 1024) KiB
              server read all runs in \(String(format: "%.2f", ready)) s; memory then \(rssRead)
              /api/state: \(state.utf8.count / 1024) KiB, fetch \(fetches.map { String(format: "%.0f", $0) }.joined(separator: ", ")) ms
              page: first drawn state \(before["first_render_ms"] ?? "?") ms after navigation, wall \(report["load_wall_ms"] ?? "?") ms to charts + confusion,
                    \(before["charts"] ?? "?") charts, \(before["series"] ?? "?") curves, \(before["periods"] ?? "?") periods
              server memory after the page load: \(rssPage)
              screenshot: \(shot)
            """)
        #expect(before["periods"] as? Int == 4000)
    }

    static func memory(_ pid: Int32) -> String {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return "?" }
        return status.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") }
            .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "  ", with: "") }.joined(separator: ", ")
    }
}
