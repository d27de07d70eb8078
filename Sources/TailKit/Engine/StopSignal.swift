import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM as a request to stop training cleanly: the trainer finishes the step in
/// progress, writes `last.ckpt` and throws `TailKitError.interrupted`, so that `--resume` continues
/// exactly where the run stopped. A second signal while the first is being honoured ends the
/// process at once (exit status 128 + signal), for a run that is stuck.
///
/// The signals are ignored at the process level and delivered through dispatch sources on a
/// background queue, so nothing runs inside a signal handler.
///
/// ```swift
/// trainer.stopSignal = StopSignal.install()   // in a command-line program, before trainer.run()
/// ```
public final class StopSignal: Sendable {
    private let received = Atomic<Int32>(0)
    private let sources: Mutex<[DispatchSourceSignal]> = Mutex([])

    private init() {}

    /// Installs the handlers for `signals` (once per process; later calls return the same object).
    public static func install(_ signals: [Int32] = [SIGINT, SIGTERM]) -> StopSignal {
        shared.listen(signals)
        return shared
    }

    private static let shared = StopSignal()

    /// The first signal received, or nil while none has come.
    public var signal: Int32? {
        let value = received.load(ordering: .acquiring)
        return value == 0 ? nil : value
    }

    /// "SIGINT", "SIGTERM" or "signal N".
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }

    private func listen(_ signals: [Int32]) {
        sources.withLock { sources in
            guard sources.isEmpty else { return }
            for number in signals {
                Foundation.signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [self] in self.receive(number) }
                source.resume()
                sources.append(source)
            }
        }
    }

    private func receive(_ number: Int32) {
        let (exchanged, _) = received.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing)
        guard exchanged else {
            FileHandle.standardError.write(Data("\n\(Self.name(number)) again: quitting without a checkpoint\n".utf8))
            // _exit: no atexit handlers or static destructors while the training thread still runs.
            _exit(128 + number)
        }
        FileHandle.standardError.write(Data("\n\(Self.name(number)): finishing the current step, then writing a checkpoint (send it again to quit at once)\n".utf8))
    }
}
