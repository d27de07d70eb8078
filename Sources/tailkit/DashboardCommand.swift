import ArgumentParser
import Foundation
import TailDashboard

/// `tailkit dashboard RUN_DIR...`: a live web page of run folders (see `DashboardServer`).
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve a live web page of run folders: curves, many/medium/few, per-class accuracy, confusion, configs side by side.",
        discussion: """
        Each RUN_DIR is a run folder (config.yaml, counts.json, log.jsonl, eval_last.json) or a folder of run folders \
        (two levels down: `runs/` finds `runs/demo/ce_balanced`). The page updates while the runs train, without \
        reloading (server-sent events); a run folder created later in a RUN_DIR appears by itself. It only reads the \
        folders, so it works on finished runs and on runs another process or machine (a shared folder) is writing.

        Shown: loss and accuracy curves, every other scalar metric of any task (mask ratio, candidate-set size, ...) \
        as its own curve, many/medium/few over time, per-class accuracy against training count and its move from the \
        previous epoch, every per-class vector (pseudo-label precision/recall, ...), the confusion matrix, and the \
        shown runs' settings side by side with the differences marked. A missing file or an incomplete last log line \
        is noted on the run; the rest is shown.

        It listens on 127.0.0.1 only unless --host says otherwise (the runs' files are served to whoever can connect). \
        Stop it with Ctrl-C.

        Examples:
          tailkit dashboard runs/                       # every run under runs/, at http://127.0.0.1:8787/
          tailkit dashboard runs/ce runs/ce_drw --port 0   # two runs, on a free port (the URL is printed)
        """
    )

    @Argument(help: "Run folders, or folders holding run folders.") var runDirs: [String]
    @Option(help: "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).") var host = "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one.") var port = 8787
    @Option(help: "Seconds between reads of the run folders.") var poll = 0.5
    @Option(help: "Live pages (event streams) served at once; more are answered 503.") var maxStreams = 32
    @Option(help: "Seconds between keep-alive lines on the event streams (a closed page frees its place at the next one).")
    var keepAlive = 5.0

    func validate() throws {
        guard !runDirs.isEmpty else { throw ValidationError("give at least one run folder") }
        guard poll > 0, poll <= 60 else { throw ValidationError("--poll must be in (0, 60] seconds") }
        guard maxStreams >= 1 else { throw ValidationError("--max-streams must be at least 1") }
        guard keepAlive > 0, keepAlive <= 300 else { throw ValidationError("--keep-alive must be in (0, 300] seconds") }
    }

    func run() async throws {
        let server: DashboardServer
        do {
            server = try DashboardServer(roots: runDirs, host: host, port: port, pollInterval: .milliseconds(Int(poll * 1000)),
                                         maxStreams: maxStreams, keepAlive: .milliseconds(Int(keepAlive * 1000)))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let folders = runDirs
        do {
            try await server.run(signals: true) { url in
                // Unbuffered, so a script reading the URL from a pipe gets it at once.
                FileHandle.standardOutput.write(Data("tailkit dashboard of \(folders.joined(separator: ", ")) at \(url)\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("error: cannot serve on \(host):\(port): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
