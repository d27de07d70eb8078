import Foundation
import TestSupport

/// `tailkit dashboard` on a free loopback port, in its own process (as users run it, and so that
/// the test process's busy task pool, shared with every other suite, never starves the server),
/// stopped by `stop()` the way Ctrl-C stops it.
final class RunningDashboard: @unchecked Sendable {
    let process: Process
    let port: Int

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// A test that failed before `stop()` leaves no server behind.
    deinit { if process.isRunning { process.terminate() } }

    static func start(roots: [String], maxStreams: Int = 32) async throws -> RunningDashboard {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
        process.arguments = ["dashboard"] + roots + ["--port", "0", "--poll", "0.1", "--max-streams", String(maxStreams), "--keep-alive", "0.3"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The first line: "tailkit dashboard of ... at http://127.0.0.1:PORT/".
        let line = try await offPool { () -> String in
            var text = ""
            while !text.contains("\n") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        guard let port = line.split(separator: " ").last.flatMap({ URL(string: String($0).trimmingCharacters(in: .whitespacesAndNewlines))?.port }) else {
            process.terminate()
            throw RawHTTP.Failure("the dashboard did not start: \(line)")
        }
        return RunningDashboard(process: process, port: port)
    }

    /// Interrupts the server and waits (15 s at most) for it to exit; returns whether it did.
    @discardableResult
    func stop() async -> Bool {
        process.interrupt()
        let process = self.process
        let exited = (try? await offPool { () -> Bool in
            let end = Date() + 15
            while process.isRunning && Date() < end { usleep(20_000) }
            return !process.isRunning
        }) ?? false
        if !exited { process.terminate() }
        return exited
    }
}

/// Runs blocking socket and pipe work on a plain thread, off Swift's cooperative pool (which has as
/// many threads as cores, 2 on CI: a blocked one would hold up other tests' tasks).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
