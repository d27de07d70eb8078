import Foundation

/// The dashboard's state and its live subscribers. `poll()` finds new run folders and reads what
/// changed in the known ones; every change goes to each subscriber as one server-sent event, and
/// the full state (`snapshot`) is encoded once per change, however many clients ask for it.
///
/// A subscriber that falls 256 events behind is dropped (its stream ends); the page's EventSource
/// then reconnects and starts again from a fresh snapshot, so a slow client never holds memory.
/// Every `keepAlive` each stream gets a comment line, so that a closed connection is noticed (its
/// write fails) and frees its place even when no run changes.
///
/// ```swift
/// let store = DashboardStore(roots: ["runs"])
/// await store.poll()
/// let (id, events) = try await store.subscribe()   // first event: the snapshot
/// ```
actor DashboardStore {
    let roots: [String]
    let maxSubscribers: Int
    let keepAlive: Duration
    private var lastKeepAlive = ContinuousClock.now
    private var runs: [RunFolderState] = []
    private var subscribers: [Int: AsyncStream<String>.Continuation] = [:]
    private var nextSubscriber = 0
    private var cachedSnapshot: String?
    private(set) var polls = 0

    static let backlog = 256

    init(roots: [String], maxSubscribers: Int = 32, keepAlive: Duration = .seconds(5)) {
        self.roots = roots
        self.maxSubscribers = maxSubscribers
        self.keepAlive = keepAlive
    }

    /// Finds new run folders, reads every run's changes (up to `RunLogTail.chunk` bytes of log each)
    /// and sends them to the subscribers. Returns true when a log holds more to read: the poller
    /// calls again at once, and requests get their turn in between.
    @discardableResult
    func poll() -> Bool {
        polls += 1
        discover()
        var more = false
        for i in runs.indices {
            if let from = runs[i].refresh() {
                cachedSnapshot = nil
                broadcast(Self.event("update", runs[i].updateJSON(from: from)))
            }
            more = more || runs[i].log.hasMore
        }
        if ContinuousClock.now - lastKeepAlive >= keepAlive {
            lastKeepAlive = .now
            broadcast(": keep-alive\n\n")
        }
        return more
    }

    private func discover() {
        let known = Set(runs.map(\.path))
        var names = Set(runs.map(\.name))
        for root in roots {
            for folder in RunDiscovery.runFolders(under: root) where !known.contains(folder.path) {
                var name = folder.name
                var n = 2
                while names.contains(name) { name = "\(folder.name) (\(n))"; n += 1 }
                names.insert(name)
                // refresh() reports the new run (from 0) in this same poll.
                runs.append(RunFolderState(id: "r\(runs.count)", name: name, path: folder.path))
            }
        }
    }

    /// `{"runs":[{...meta, "periods":[...]}, ...]}`.
    func snapshot() -> String {
        if let cachedSnapshot { return cachedSnapshot }
        let body = runs.map { run in
            let meta = run.metaJSON
            let periods = run.log.periods.map(\.json).joined(separator: ",")
            return String(meta.dropLast()) + #","periods":[\#(periods)]}"#
        }.joined(separator: ",")
        let text = #"{"runs":[\#(body)]}"#
        cachedSnapshot = text
        return text
    }

    enum SubscribeError: Error { case tooMany }

    /// A new event stream, starting with the snapshot; fails when `maxSubscribers` streams are open.
    func subscribe() throws -> (id: Int, events: AsyncStream<String>) {
        guard subscribers.count < maxSubscribers else { throw SubscribeError.tooMany }
        let id = nextSubscriber
        nextSubscriber += 1
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(Self.backlog))
        continuation.yield(Self.event("snapshot", snapshot()))
        subscribers[id] = continuation
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    var subscriberCount: Int { subscribers.count }

    /// Ends every stream (shutdown).
    func finishAll() {
        for c in subscribers.values { c.finish() }
        subscribers.removeAll()
    }

    private func broadcast(_ message: String) {
        for (id, c) in subscribers {
            if case .dropped = c.yield(message) { unsubscribe(id) }
        }
    }

    /// Period `index` of run `id` as its full `log.jsonl` line (with the confusion matrix).
    func periodLine(run id: String, index: Int) -> Data? {
        runs.first { $0.id == id }?.log.line(ofPeriod: index)
    }

    /// The folder of run `id`.
    func folder(of id: String) -> String? {
        runs.first { $0.id == id }?.path
    }

    var runCount: Int { runs.count }

    static func event(_ name: String, _ data: String) -> String {
        "event: \(name)\ndata: \(data)\n\n"
    }
}
