import Foundation

/// A one-line progress bar on standard error: fraction done, rate, time left and any live metrics.
/// Redraws at most ten times a second; prints plain lines instead when stderr is not a terminal.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let interactive = isatty(STDERR_FILENO) != 0
    private var lastPlainPercent = -1

    public init(total: Int, label: String) {
        self.total = max(1, total)
        self.label = label
    }

    /// `done` items finished; `unit` names an item for the rate ("img", "step").
    public func update(_ done: Int, unit: String = "it", metrics: String = "") {
        let now = Date()
        let finished = done >= total
        guard finished || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let fraction = Double(done) / Double(total)
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        let text = "\(label) \(Int(fraction * 100))% \(done)/\(total) \(Self.format(rate)) \(unit)/s left \(Self.clock(left)) \(metrics)"
        if interactive {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(text)".utf8))
            if finished { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let percent = Int(fraction * 10) * 10
            if percent != lastPlainPercent || finished {
                lastPlainPercent = percent
                FileHandle.standardError.write(Data("\(text)\n".utf8))
            }
        }
    }

    static func format(_ rate: Double) -> String { rate >= 100 ? String(Int(rate)) : String(format: "%.1f", rate) }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
