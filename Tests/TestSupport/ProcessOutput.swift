import Foundation

/// What a finished child process printed, and how it ended. The one way the tests run a program and
/// read both of its streams: standard error is drained on another thread while standard output is
/// read, so neither pipe can fill up and block the child (training logs and Python tracebacks can).
///
/// ```swift
/// let p = Process()
/// p.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
/// p.arguments = ["data", "stats"]
/// let result = try ProcessOutput.capture(p)
/// #expect(result.status == 0, "\(result.err)")
/// ```
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var reason: Process.TerminationReason
    public var out: Data
    public var errData: Data

    public var outText: String { String(decoding: out, as: UTF8.self) }
    public var err: String { String(decoding: errData, as: UTF8.self) }
    /// Exited by itself with status 0.
    public var succeeded: Bool { reason == .exit && status == 0 }

    /// Runs `process` (configured but not started) to its end with both streams captured.
    public static func capture(_ process: Process) throws -> ProcessOutput {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errors = PipeDrain(err.fileHandleForReading)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.wait()
        process.waitUntilExit()
        return ProcessOutput(status: process.terminationStatus, reason: process.terminationReason, out: data, errData: errorData)
    }
}

/// Reads a pipe to its end on a background thread.
private final class PipeDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
