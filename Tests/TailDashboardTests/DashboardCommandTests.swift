import Foundation
import Testing
import TestSupport

/// `tailkit dashboard` as a user runs it: port 0 prints the URL, Ctrl-C stops it, bad folders are named.
@Suite(.serialized) struct DashboardCommandTests {
    @Test func servesOnAFreePortAndStopsOnInterrupt() async throws {
        let folder = try TemporaryFolder("dash-cli")
        defer { folder.remove() }
        let run = try SyntheticRun(path: folder.file("ce"))
        try run.appendPeriod(epoch: 0)
        let dashboard = try await RunningDashboard.start(roots: [folder.path])
        let port = dashboard.port
        let state = try await offPool { try RawHTTP.get(port: port, "/api/state") }
        #expect(state.status == 200)
        #expect(state.text.contains(#""period_count":1"#))
        // An open event stream must not keep the server from stopping.
        let stream = try RawHTTP(port: port)
        try stream.get("/api/events", close: false)
        #expect(try await offPool { stream.read(until: Date() + 10) { $0.contains("event: snapshot") } })
        #expect(await dashboard.stop())
        #expect(dashboard.process.terminationStatus == 0)
    }

    @Test func aMissingFolderIsNamed() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
        process.arguments = ["dashboard", "/nonexistent/tailkit-runs", "--port", "0"]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("/nonexistent/tailkit-runs: does not exist"))
    }
}
