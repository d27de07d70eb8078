import Foundation
import Testing
import TestSupport

/// The server over real loopback sockets. Serialized: the tests time what a writer does under load.
@Suite(.serialized) struct DashboardServerTests {
    @Test func appendedPeriodsAndNewRunFoldersArriveOnTheEventStream() async throws {
        let folder = try TemporaryFolder("dash-sse")
        defer { folder.remove() }
        let run = try SyntheticRun(path: folder.file("ce"))
        for e in 0..<3 { try run.appendPeriod(epoch: e) }
        let dashboard = try await RunningDashboard.start(roots: [folder.path])
        let port = dashboard.port

        let client = try RawHTTP(port: port)
        try client.get("/api/events", close: false)
        let gotSnapshot = try await offPool {
            client.read(until: Date() + 10) { $0.contains("event: snapshot") && $0.contains(#""epoch":2,"#) }
        }
        #expect(gotSnapshot)
        #expect(String(decoding: client.received, as: UTF8.self).contains("Content-Type: text/event-stream")
                || String(decoding: client.received, as: UTF8.self).lowercased().contains("content-type: text/event-stream"))

        // Another writer appends; the update names the run and carries the new period only.
        try run.appendPeriod(epoch: 3, extra: #","mask_ratio":0.625"#)
        let gotUpdate = try await offPool {
            client.read(until: Date() + 10) { $0.contains("event: update") && $0.contains(#""eval/mask_ratio":0.625"#) }
        }
        #expect(gotUpdate)
        let text = String(decoding: client.received, as: UTF8.self)
        let update = try #require(text.components(separatedBy: "event: update\ndata: ").last?.components(separatedBy: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(update.utf8)) as? [String: Any])
        #expect(object["from"] as? Int == 3)
        #expect((object["periods"] as? [Any])?.count == 1)

        // A run folder created while the server runs appears with its periods.
        let late = try SyntheticRun(path: folder.file("ce_drw"), config: ["loss": "ce", "rule": "drw"])
        try late.appendPeriod(epoch: 0)
        let gotNewRun = try await offPool {
            client.read(until: Date() + 10) { $0.contains(#""name":"ce_drw""#) && $0.contains(#""rule":"drw""#) }
        }
        #expect(gotNewRun)
        await dashboard.stop()
    }

    @Test func theStateNamesWhatIsMissingAndShowsWhatItCan() async throws {
        let folder = try TemporaryFolder("dash-missing")
        defer { folder.remove() }
        let run = try SyntheticRun(path: folder.file("cut"), writeCounts: false)
        try FileManager.default.removeItem(atPath: folder.file("cut/config.yaml"))
        try run.appendPeriod(epoch: 0)
        let line = run.periodLine(epoch: 1)
        try run.append(String(line.prefix(100)), newline: false)  // a crash mid-write
        let dashboard = try await RunningDashboard.start(roots: [folder.path])
        let (status, text) = try await offPool { try RawHTTP.get(port: dashboard.port, "/api/state") }
        await dashboard.stop()
        #expect(status == 200)
        let body = try #require(text.components(separatedBy: "\r\n\r\n").last)
        let state = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let runs = try #require(state["runs"] as? [[String: Any]])
        try #require(runs.count == 1)
        #expect((runs[0]["periods"] as? [Any])?.count == 1)
        let notes = try #require(runs[0]["notes"] as? [String])
        #expect(notes.contains { $0.hasPrefix("log.jsonl ends in an incomplete line (100 bytes") })
        #expect(notes.contains("config.yaml is missing: the settings are unknown"))
        #expect(notes.contains("counts.json is missing: training counts taken from the log"))
        #expect((runs[0]["counts"] as? [Double])?.count == 10)
    }

    @Test func pathsOutsideTheRunFoldersAreNeverServed() async throws {
        let folder = try TemporaryFolder("dash-traversal")
        defer { folder.remove() }
        let secret = try folder.write("secret.txt", text: "TOP-SECRET-CONTENT")
        let runs = folder.file("runs")
        _ = try SyntheticRun(path: "\(runs)/ce")
        try FileManager.default.createSymbolicLink(atPath: "\(runs)/ce/leak.txt", withDestinationPath: secret)
        // A symlinked "run folder" leading out of the given folder is not picked up either.
        try folder.write("elsewhere/log.jsonl", text: "")
        try FileManager.default.createSymbolicLink(atPath: "\(runs)/outside", withDestinationPath: folder.file("elsewhere"))
        let dashboard = try await RunningDashboard.start(roots: [runs])
        let port = dashboard.port

        let ok = try await offPool { try RawHTTP.get(port: port, "/files/r0/config.yaml") }
        #expect(ok.status == 200)
        #expect(ok.text.contains("loss: ce"))
        let attempts = ["/files/r0/../../secret.txt", "/files/r0/..%2F..%2Fsecret.txt", "/files/r0/%2e%2e/%2e%2e/secret.txt",
                        "/files/r0/leak.txt", "/files/r0/..%5c..%5csecret.txt", "/files/r1/log.jsonl", "/files/r0/",
                        "/../secret.txt", "/files/r0/%2E%2E/%2E%2E/secret.txt"]
        for target in attempts {
            let answer = try await offPool { try RawHTTP.get(port: port, target) }
            #expect([400, 404].contains(answer.status), "\(target) answered \(answer.status)")
            #expect(!answer.text.contains("TOP-SECRET"), "\(target) leaked the file")
        }
        let state = try await offPool { try RawHTTP.get(port: port, "/api/state") }
        #expect(!state.text.contains("outside"))
        // Bound to loopback: a request for another host name (DNS rebinding) is refused.
        let rebinding = try await offPool { try RawHTTP.get(port: port, "/api/state", host: "attacker.example:\(port)") }
        #expect(rebinding.status == 403)
        await dashboard.stop()
    }

    @Test func eventStreamsAreLimited() async throws {
        let folder = try TemporaryFolder("dash-limit")
        defer { folder.remove() }
        _ = try SyntheticRun(path: folder.file("ce"))
        let dashboard = try await RunningDashboard.start(roots: [folder.path], maxStreams: 2)
        let port = dashboard.port
        var open: [RawHTTP] = []
        for _ in 0..<2 {
            let c = try RawHTTP(port: port)
            try c.get("/api/events", close: false)
            #expect(try await offPool { c.read(until: Date() + 10) { $0.contains("event: snapshot") } })
            open.append(c)
        }
        let third = try await offPool { try RawHTTP.get(port: port, "/api/events") }
        #expect(third.status == 503)
        // Clients that went away free their places (noticed at the next keep-alive write), with no run changing.
        open.removeAll()
        let again = try await offPool { () -> Bool in
            let end = Date() + 10
            while Date() < end {
                let c = try RawHTTP(port: port)
                try c.get("/api/events", close: false)
                if c.read(until: Date() + 2, { $0.contains("event: snapshot") || $0.contains(" 503 ") }),
                   String(decoding: c.received, as: UTF8.self).contains("event: snapshot") { return true }
                usleep(200_000)
            }
            return false
        }
        #expect(again)
        await dashboard.stop()
    }

    /// A training process appends one period every 25 ms for 1 s while 8 threads fire up to 4,000
    /// requests at the server: the writer must finish on time, and a live client must see every period.
    @Test func aRequestFloodDoesNotStopTheWriter() async throws {
        let folder = try TemporaryFolder("dash-flood")
        defer { folder.remove() }
        let run = try SyntheticRun(path: folder.file("ce"))
        let lines = (0..<40).map { run.periodLine(epoch: $0) }.joined(separator: "\n") + "\n"
        let source = try folder.write("lines.txt", text: lines)
        let dashboard = try await RunningDashboard.start(roots: [folder.path])
        let port = dashboard.port
        let watcher = try RawHTTP(port: port, timeoutSeconds: 20)
        try watcher.get("/api/events", close: false)

        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        writer.arguments = ["python3", "-s", "-S", "-c", """
            import sys, time
            t0 = time.monotonic()
            with open(sys.argv[2], "a") as out:
                for line in open(sys.argv[1]):
                    out.write(line); out.flush(); time.sleep(0.025)
            print(round(time.monotonic() - t0, 3))
            """, source, run.logPath]
        let output = Pipe()
        writer.standardOutput = output
        let flood = Flood(port: port, threads: 8, perThread: 500, seconds: 10)
        try writer.run()
        let served = try await offPool { flood.run { writer.isRunning } }
        writer.waitUntilExit()
        let seconds = Double(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? .infinity
        print("flood: \(served.ok) requests answered, \(served.failed) failed, while the writer took \(seconds) s (1.0 s of sleeps)")
        #expect(writer.terminationStatus == 0)
        #expect(seconds < 5, "the writer took \(seconds) s for 1 s of work")
        #expect(served.ok > 100)
        let sawAll = try await offPool { watcher.read(until: Date() + 15) { $0.contains(#""epoch":39,"#) } }
        #expect(sawAll)
        let state = try await offPool { try RawHTTP.get(port: port, "/api/state") }
        #expect(state.text.contains(#""period_count":40"#))
        await dashboard.stop()
    }
}

/// Bounded load: `threads` threads each send up to `perThread` requests (a connection each), until
/// `keepGoing()` turns false or `seconds` pass.
struct Flood: Sendable {
    let port: Int
    let threads: Int
    let perThread: Int
    let seconds: Double
    static let targets = ["/api/state", "/", "/app.js", "/files/r0/config.yaml", "/files/r0/../../etc/passwd", "/api/runs/r0/periods/0", "/nothing"]

    func run(while keepGoing: @escaping @Sendable () -> Bool) -> (ok: Int, failed: Int) {
        let tally = Tally()
        let group = DispatchGroup()
        let end = Date() + seconds
        for t in 0..<threads {
            group.enter()
            Thread {
                for i in 0..<perThread where keepGoing() && Date() < end {
                    let answered = (try? RawHTTP.get(port: port, Self.targets[(t + i) % Self.targets.count])) != nil
                    tally.add(answered)
                }
                group.leave()
            }.start()
        }
        group.wait()
        return tally.counts
    }
}

/// Answered and failed requests, counted from several threads.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var ok = 0, failed = 0

    func add(_ answered: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if answered { ok += 1 } else { failed += 1 }
    }

    var counts: (ok: Int, failed: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (ok, failed)
    }
}
