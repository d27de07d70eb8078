import Foundation

/// A one-line progress bar on standard error: fraction done, rate, time left and any live metrics.
/// On a terminal it redraws in place at most ten times a second. Otherwise (a log file, CI) it
/// writes plain lines, few of them: one each time another `plainStepPercent` of the total is
/// done, at most one per `plainMinInterval` seconds, and one when the total is reached.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let interactive: Bool
    private let plainStepPercent: Int
    private let plainMinInterval: TimeInterval
    private let write: (String) -> Void
    private var lastPlainPercent = 0
    private var lastPlainLine: Date
    private var finishedWritten = false

    /// Whether standard error is a terminal (a bar that redraws) rather than a file or pipe (plain lines).
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// - Parameters:
    ///   - plainStepPercent, plainMinInterval: how often plain lines come when not on a terminal.
    ///   - interactive: redraw in place (default: when standard error is a terminal).
    ///   - write: where the text goes (default: standard error).
    public init(total: Int, label: String, plainStepPercent: Int = 10, plainMinInterval: TimeInterval = 30,
                interactive: Bool? = nil, write: ((String) -> Void)? = nil) {
        self.total = max(1, total)
        self.label = label
        self.plainStepPercent = max(1, plainStepPercent)
        self.plainMinInterval = plainMinInterval
        self.interactive = interactive ?? Self.standardErrorIsTerminal
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
        lastPlainLine = start
    }

    /// `done` items finished; `unit` names an item for the rate ("img", "step").
    public func update(_ done: Int, unit: String = "it", metrics: String = "") {
        let now = Date()
        let finished = done >= total
        let percent = Int(Double(min(done, total)) / Double(total) * 100)
        if interactive {
            guard finished || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
        } else {
            let due = percent >= lastPlainPercent + plainStepPercent && now.timeIntervalSince(lastPlainLine) >= plainMinInterval
            guard (finished && !finishedWritten) || (due && !finished) else { return }
            lastPlainPercent = percent
            lastPlainLine = now
            finishedWritten = finished
        }
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(max(0, total - done)) / rate : 0
        let text = "\(label) \(percent)% \(done)/\(total) \(Self.format(rate)) \(unit)/s left \(Self.clock(left)) \(metrics)"
        if interactive {
            let width = 24
            let filled = min(width, Int(Double(percent) / 100 * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write("\r\u{1B}[K[\(bar)] \(text)" + (finished ? "\n" : ""))
        } else {
            write("\(text)\n")
        }
    }

    static func format(_ rate: Double) -> String { rate >= 100 ? String(Int(rate)) : String(format: "%.1f", rate) }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
