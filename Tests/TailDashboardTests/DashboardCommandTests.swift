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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
        process.arguments = ["dashboard", folder.path, "--port", "0", "--poll", "0.1"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = try await offPool { () -> String in
            var text = ""
            while !text.contains("\n") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        let url = try #require(line.split(separator: " ").last.flatMap { URL(string: String($0).trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(url.host == "127.0.0.1")
        let port = try #require(url.port)
        let state = try await offPool { try RawHTTP.get(port: port, "/api/state") }
        #expect(state.status == 200)
        #expect(state.text.contains(#""period_count":1"#))
        // An open event stream must not keep the server from stopping.
        let stream = try RawHTTP(port: port)
        try stream.get("/api/events", close: false)
        #expect(try await offPool { stream.read(until: Date() + 10) { $0.contains("event: snapshot") } })
        process.interrupt()
        let exited = try await offPool { () -> Bool in
            let end = Date() + 15
            while process.isRunning && Date() < end { usleep(50_000) }
            return !process.isRunning
        }
        if !exited { process.terminate() }
        #expect(exited)
        #expect(process.terminationStatus == 0)
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
