import ArgumentParser
import Foundation

/// `tailkit launch --nproc N -- train ...`: N data-parallel ranks of `train` on this machine, as PyTorch's
/// `torchrun --standalone --nproc-per-node N` starts them (torch/distributed/run.py): each child gets
/// `--world-size N --rank R --master 127.0.0.1:PORT` and, unless given, `--threads cores / N`.
struct LaunchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Start N data-parallel ranks of `tailkit train` on this machine.",
        discussion: """
        Everything after `--` is the train command; launch adds --world-size, --rank and --master to it. Rank 0 writes the run folder and prints progress; the others print only errors. When a rank fails, the others fail too (their next all-reduce finds the rank gone) and launch exits with the first failing rank's status; a rank still running 10 seconds later is stopped (SIGTERM, then SIGKILL). --resume continues such a run with the same --nproc.

        On one machine the ranks share its cores: with 2 cores, `--nproc 2` gives each rank one thread, which is no faster than one process with two threads (the bench says by how much); ranks pay off with a core set or a machine each.

        Examples:
          tailkit launch --nproc 2 -- train --epochs 30 --out runs/dp2
          tailkit launch --nproc 2 -- train --resume runs/dp2
        """
    )

    @Option(help: "Ranks to start (at least 1).") var nproc: Int
    @Option(help: "Port of rank 0's rendezvous on 127.0.0.1 (default: a free port).") var masterPort: Int?
    @Argument(parsing: .captureForPassthrough, help: "The command the ranks run: train and its flags.") var command: [String] = []

    func run() throws {
        var arguments = command
        if arguments.first == "--" { arguments.removeFirst() }
        guard nproc >= 1 else { throw ValidationError("--nproc \(nproc) must be at least 1") }
        guard arguments.first == "train" else {
            throw ValidationError("launch runs `train` (e.g. tailkit launch --nproc 2 -- train --epochs 30), not '\(arguments.first ?? "")'")
        }
        for flag in ["--world-size", "--rank", "--master"] where arguments.contains(flag) {
            throw ValidationError("launch sets \(flag) for every rank: leave it out of the train command")
        }
        let port = try masterPort ?? Self.freePort()
        if !arguments.contains("--threads") {
            arguments += ["--threads", "\(max(1, ProcessInfo.processInfo.activeProcessorCount / nproc))"]
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var ranks: [Process] = []
        for rank in 0..<nproc {
            let p = Process()
            p.executableURL = executable
            p.arguments = arguments + ["--world-size", "\(nproc)", "--rank", "\(rank)", "--master", "127.0.0.1:\(port)"]
            try p.run()
            ranks.append(p)
        }
        let forwarding = Self.forwardSignals(to: ranks)
        let status = Self.wait(for: ranks)
        withExtendedLifetime(forwarding) {}
        if status != 0 { throw ExitCode(status) }
    }

    /// Waits for every rank; after the first failure the others get 10 s to end on their own.
    private static func wait(for ranks: [Process]) -> Int32 {
        var failure: (status: Int32, rank: Int, at: Date)?
        while ranks.contains(where: \.isRunning) {
            if failure == nil, let rank = ranks.firstIndex(where: { !$0.isRunning && $0.terminationStatus != 0 }) {
                let status = ranks[rank].terminationStatus
                failure = (status, rank, Date())
                FileHandle.standardError.write(Data("launch: rank \(rank) exited with status \(status); stopping the others\n".utf8))
            }
            if let f = failure {
                let waited = Date().timeIntervalSince(f.at)
                for p in ranks where p.isRunning && waited > 10 { kill(p.processIdentifier, waited > 20 ? SIGKILL : SIGTERM) }
            }
            usleep(100_000)
        }
        if let failure { return failure.status }
        return ranks.first(where: { $0.terminationStatus != 0 })?.terminationStatus ?? 0
    }

    /// SIGTERM to launch goes to every rank; so does SIGINT when the ranks are not in launch's process group
    /// (from a terminal, Ctrl-C reaches them directly, and a second copy would make them quit at once).
    private static func forwardSignals(to ranks: [Process]) -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                for p in ranks where p.isRunning {
                    if number == SIGINT && getpgid(p.processIdentifier) == getpgrp() { continue }
                    kill(p.processIdentifier, number)
                }
            }
            source.resume()
            return source
        }
    }

    /// A port on 127.0.0.1 that is free now: the kernel's choice for a socket bound to port 0.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("launch: cannot open a socket to find a free port (errno \(errno)); pass --master-port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw ValidationError("launch: no free port on 127.0.0.1 (errno \(errno)); pass --master-port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
