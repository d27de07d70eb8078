import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client for the dashboard tests: sends the request bytes exactly as given (no URL
/// normalisation, so `..` and `%2F` reach the server as written) and reads the answer, or an
/// event stream until what the test waits for has arrived.
/// Used by one thread at a time (the tests hand it to a plain thread and wait), hence unchecked.
final class RawHTTP: @unchecked Sendable {
    private let fd: Int32
    private(set) var received = Data()

    init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { close(fd); throw Failure("cannot connect to 127.0.0.1:\(port)") }
    }

    deinit { close(fd) }

    /// `GET target` with the given Host header, as raw bytes.
    func get(_ target: String, host: String = "127.0.0.1", close closeAfter: Bool = true) throws {
        let request = "GET \(target) HTTP/1.1\r\nHost: \(host)\r\nAccept: */*\r\n" + (closeAfter ? "Connection: close\r\n" : "") + "\r\n"
        let bytes = Array(request.utf8)
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw Failure("send failed") }
    }

    /// Reads until the server closes the connection; returns (status, headers+body text).
    func response() throws -> (status: Int, text: String) {
        while readSome() {}
        let text = String(decoding: received, as: UTF8.self)
        guard let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap({ Int($0) }) else {
            throw Failure("no HTTP status in: \(text.prefix(200))")
        }
        return (status, text)
    }

    /// Reads until `done(text so far)` or the deadline; returns whether `done` became true.
    func read(until deadline: Date, _ done: (String) -> Bool) -> Bool {
        while Date() < deadline {
            if done(String(decoding: received, as: UTF8.self)) { return true }
            if !readSome() { return done(String(decoding: received, as: UTF8.self)) }
        }
        return done(String(decoding: received, as: UTF8.self))
    }

    /// One recv; false at end of stream, error or timeout.
    private func readSome() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return false }
        received.append(contentsOf: buffer[0..<n])
        return true
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// One request on a fresh connection.
    static func get(port: Int, _ target: String, host: String = "127.0.0.1") throws -> (status: Int, text: String) {
        let c = try RawHTTP(port: port)
        try c.get(target, host: host)
        return try c.response()
    }
}
