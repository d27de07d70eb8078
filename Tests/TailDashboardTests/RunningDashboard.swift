import Foundation
@testable import TailDashboard

/// A dashboard server on a free loopback port inside the test process, stopped by `stop()`.
final class RunningDashboard: @unchecked Sendable {
    let server: DashboardServer
    let port: Int
    private let task: Task<Void, Never>

    private init(server: DashboardServer, port: Int, task: Task<Void, Never>) {
        self.server = server
        self.port = port
        self.task = task
    }

    static func start(roots: [String], maxStreams: Int = 32) async throws -> RunningDashboard {
        let server = try DashboardServer(roots: roots, port: 0, pollInterval: .milliseconds(100), maxStreams: maxStreams,
                                         keepAlive: .milliseconds(300))
        let (urls, continuation) = AsyncStream<URL>.makeStream()
        let task = Task {
            try? await server.run { url in continuation.yield(url) }
            continuation.finish()
        }
        for await url in urls {
            guard let port = url.port, port > 0 else { break }
            return RunningDashboard(server: server, port: port, task: task)
        }
        task.cancel()
        throw RawHTTP.Failure("the dashboard server did not start")
    }

    func stop() async {
        task.cancel()
        await task.value
    }
}

/// Runs blocking socket work on a plain thread, off Swift's cooperative pool (which has as many
/// threads as cores, 2 on CI: a blocked one would starve the server's own tasks).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
