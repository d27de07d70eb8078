import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `tailkit dashboard`: a local web page of run folders that updates live while they train.
///
/// Routes (GET and HEAD only): `/` the page, `/app.js`, `/app.css`; `/api/state` every run as JSON;
/// `/api/events` server-sent events (`snapshot` first, then an `update` per change);
/// `/api/runs/ID/periods/N` period N's `log.jsonl` line (with its confusion matrix);
/// `/files/ID/PATH` a file inside run ID's folder (see `PathGuard`). It only reads the folders,
/// polling them every `pollInterval`, so it works on finished runs, on runs another process or
/// machine is writing, and on run folders created after it started.
///
/// ```swift
/// let server = try DashboardServer(roots: ["runs"], port: 0)
/// try await server.run { url in print("dashboard at \(url)") }
/// ```
public struct DashboardServer: Sendable {
    public let roots: [String]
    public let host: String
    public let port: Int
    public let pollInterval: Duration
    let store: DashboardStore

    /// Fails when a root is not a folder. Port 0 picks a free port (see `run`'s `onListening`).
    /// `maxStreams` live event streams at most (more are answered 503); `keepAlive` between comment lines on them.
    public init(roots: [String], host: String = "127.0.0.1", port: Int = 8787, pollInterval: Duration = .milliseconds(500),
                maxStreams: Int = 32, keepAlive: Duration = .seconds(5)) throws {
        for root in roots {
            guard FileManager.default.fileExists(atPath: root) else { throw DashboardError.notAFolder(path: root, problem: "does not exist") }
            guard RunFolderState.isDirectory(root) else { throw DashboardError.notAFolder(path: root, problem: "is not a folder") }
        }
        guard (0...65535).contains(port) else { throw DashboardError.badAddress(host: host, port: port, problem: "the port must be 0...65535") }
        self.roots = roots
        self.host = host
        self.port = port
        self.pollInterval = pollInterval
        store = DashboardStore(roots: roots, maxSubscribers: maxStreams, keepAlive: keepAlive)
    }

    /// Serves until the task is cancelled or the process gets SIGINT/SIGTERM (`signals`).
    /// `onListening` gets the page's URL once the socket is bound (with the real port when `port` is 0).
    public func run(signals: Bool = false, onListening: @escaping @Sendable (URL) async -> Void = { _ in }) async throws {
        var logger = Logger(label: "tailkit.dashboard")
        logger.logLevel = .warning
        let host = self.host
        let app = Application(
            responder: DashboardResponder(store: store, loopbackOnly: Self.isLoopback(host)),
            configuration: .init(address: .hostname(host, port: port), serverName: "tailkit-dashboard"),
            services: [RunPoller(store: store, interval: pollInterval)],
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                let shown = host.contains(":") ? "[\(host)]" : host
                await onListening(URL(string: "http://\(shown):\(bound)/")!)
            },
            logger: logger
        )
        // A first read before the socket opens, so that the first request already sees the runs.
        await store.poll()
        if signals { try await app.runService() } else { try await app.run() }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// Polls the run folders until the server shuts down, then ends the event streams so that
/// shutdown does not wait on them.
struct RunPoller: Service {
    let store: DashboardStore
    let interval: Duration

    func run() async throws {
        var more = true
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if more { await Task.yield() } else { try? await Task.sleep(for: interval) }
            more = await store.poll()
        }
        await store.finishAll()
    }
}
