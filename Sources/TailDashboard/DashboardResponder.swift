import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Answers the dashboard's requests (routes in `DashboardServer`). Every request path goes through
/// `PathGuard` first; when the server listens on loopback only, requests whose Host header names
/// another host are refused too (a web page elsewhere cannot reach the runs through DNS rebinding).
struct DashboardResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let store: DashboardStore
    let loopbackOnly: Bool

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            return Self.text(.methodNotAllowed, "only GET and HEAD")
        }
        if loopbackOnly, let host = request.head.authority, !Self.isLoopbackHost(host) {
            return Self.text(.forbidden, "this dashboard answers only requests for a loopback host")
        }
        guard let segments = PathGuard.segments(request.head.path ?? "/") else {
            return Self.text(.badRequest, "path refused: no '..', '.', backslashes or encoded slashes")
        }
        switch segments.first {
        case nil: return Self.asset(DashboardAssets.page, type: "text/html; charset=utf-8")
        case "app.js" where segments.count == 1: return Self.asset(DashboardAssets.script, type: "text/javascript; charset=utf-8")
        case "app.css" where segments.count == 1: return Self.asset(DashboardAssets.style, type: "text/css; charset=utf-8")
        case "api": return await api(Array(segments.dropFirst()))
        case "files": return await file(Array(segments.dropFirst()))
        default: return Self.text(.notFound, "not found")
        }
    }

    private func api(_ path: [String]) async -> Response {
        switch path.count {
        case 1 where path[0] == "state":
            return Self.bytes(.ok, Data(await store.snapshot().utf8), type: "application/json")
        case 1 where path[0] == "events":
            return await events()
        case 4 where path[0] == "runs" && path[2] == "periods":
            guard let index = Int(path[3]), let line = await store.periodLine(run: path[1], index: index) else {
                return Self.text(.notFound, "no such run or period")
            }
            return Self.bytes(.ok, line, type: "application/json")
        default:
            return Self.text(.notFound, "not found")
        }
    }

    /// The event stream; it ends when the client goes, when the server shuts down, or when the
    /// client falls too far behind (the page reconnects and starts from a snapshot).
    private func events() async -> Response {
        guard let (id, events) = try? await store.subscribe() else {
            return Self.text(.serviceUnavailable, "too many open event streams")
        }
        let store = self.store
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            do {
                for await message in events.cancelOnGracefulShutdown() {
                    try await writer.write(ByteBuffer(string: message))
                }
            } catch {
                // The client closed the connection.
            }
            await store.unsubscribe(id)
            try? await writer.finish(nil)
        })
    }

    private func file(_ path: [String]) async -> Response {
        guard path.count >= 2, let folder = await store.folder(of: path[0]) else { return Self.text(.notFound, "no such run") }
        guard let real = PathGuard.file(Array(path.dropFirst()), in: folder) else {
            return Self.text(.notFound, "no such file in the run folder")
        }
        var info = stat()
        guard stat(real, &info) == 0, info.st_size <= Self.maxFileBytes else {
            return Self.text(.init(code: 413), "files over \(Self.maxFileBytes >> 20) MiB are not served")
        }
        guard let data = FileManager.default.contents(atPath: real) else { return Self.text(.notFound, "cannot read the file") }
        var response = Self.bytes(.ok, data, type: Self.contentType(real))
        // A run's own HTML (report.html) is shown but runs no script.
        response.headers[.contentSecurityPolicy] = "sandbox"
        return response
    }

    static let maxFileBytes = 64 << 20

    static func contentType(_ path: String) -> String {
        switch URL(fileURLWithPath: path).pathExtension {
        case "html": return "text/html; charset=utf-8"
        case "json", "jsonl": return "application/json"
        case "yaml", "txt", "log": return "text/plain; charset=utf-8"
        case "png": return "image/png"
        default: return "application/octet-stream"
        }
    }

    static func isLoopbackHost(_ hostHeader: String) -> Bool {
        var host = hostHeader
        if host.hasPrefix("[") { host = String(host.dropFirst().prefix { $0 != "]" }) }
        else if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func asset(_ text: String, type: String) -> Response {
        var response = bytes(.ok, Data(text.utf8), type: type)
        response.headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
        return response
    }

    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        bytes(status, Data((message + "\n").utf8), type: "text/plain; charset=utf-8")
    }

    static func bytes(_ status: HTTPResponse.Status, _ data: Data, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentLength] = String(data.count)
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
