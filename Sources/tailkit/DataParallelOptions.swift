import ArgumentParser
import Foundation
import TailKit
import Torch

/// `train`'s data-parallel flags: which rank this process is, of how many, and where rank 0 serves the
/// rendezvous. `tailkit launch` sets them for local ranks; on several machines start one `train` per rank.
struct DataParallelOptions: ParsableArguments {
    @Option(help: "Data-parallel ranks training together (default 1). --batch-size stays the global batch; each rank takes batch-size / world-size of it.") var worldSize: Int?
    @Option(help: "This process's rank, 0 ..< world-size; rank 0 serves the rendezvous and alone writes the run folder.") var rank: Int?
    @Option(help: "HOST:PORT of rank 0's rendezvous (c10d TCPStore), e.g. 10.0.0.1:29500 (default 127.0.0.1:29500).") var master: String?
    @Option(help: "Seconds to wait for the other ranks to join, and for any collective, before failing (default 300). It must cover rank 0's evaluation at each epoch's end, which the other ranks wait for.") var distTimeout: Int?

    /// The world size the flags ask for (1 without --world-size).
    var requestedWorldSize: Int { worldSize ?? 1 }

    /// The process group of this rank, or nil for one process. Fails early and clearly on bad flags, an
    /// unreachable master, a port in use or ranks that disagree on the world size.
    func makeGroup() throws -> ProcessGroup? {
        let n = requestedWorldSize
        guard n > 1 else {
            if let rank, rank != 0 { throw ValidationError("--rank \(rank) needs --world-size greater than \(rank)") }
            return nil
        }
        guard let rank else { throw ValidationError("--world-size \(n) needs --rank (0 ..< \(n)) for this process; `tailkit launch --nproc \(n) -- train ...` sets it") }
        guard (0..<n).contains(rank) else { throw ValidationError("--rank \(rank) is outside 0 ..< \(n) (--world-size \(n))") }
        let (host, port) = try Self.parse(master ?? "127.0.0.1:29500")
        let seconds = distTimeout ?? 300
        guard seconds > 0 else { throw ValidationError("--dist-timeout \(seconds) must be positive") }
        do {
            return try ProcessGroup(host: host, port: port, rank: rank, worldSize: n, timeout: .seconds(seconds))
        } catch let error as TorchError {
            throw TailKitError.distributed("rank \(rank) of \(n): no process group with master \(host):\(port) (--master) within \(seconds) s (--dist-timeout): \(error)")
        }
    }

    /// "HOST:PORT" (an IPv6 host in brackets: [::1]:29500).
    static func parse(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw ValidationError("--master '\(text)' must be HOST:PORT with a port in 1...65535, e.g. 127.0.0.1:29500")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--master '\(text)' has no host; e.g. 127.0.0.1:29500") }
        return (host, port)
    }
}
