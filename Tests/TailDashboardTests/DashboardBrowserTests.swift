import Foundation
import Testing
import TestSupport

/// The page in a real browser: headless Chromium from Debian loads it, draws the SVG charts, and
/// shows a period appended to a run's log after the page loaded, without a reload.
@Suite(.serialized) struct DashboardBrowserTests {
    @Test(.enabled(if: Chromium.path != nil, "chromium is not installed (scripts/setup.sh installs Debian's chromium; `make setup`)"))
    func thePageDrawsTheRunsAndShowsAnAppendedPeriod() async throws {
        let folder = try TemporaryFolder("dash-browser")
        defer { folder.remove() }
        let ce = try SyntheticRun(path: folder.file("ce"), classes: 12)
        let semi = try SyntheticRun(path: folder.file("ce_unlabeled"), classes: 12, config: ["loss": "ce", "rule": "none", "unlabeled": "5x"])
        for e in 0..<5 {
            try ce.appendPeriod(epoch: e)
            // A semi-supervised task's metrics, which the page has no special code for.
            try semi.appendPeriod(epoch: e, extra: #","mask_ratio":0.\#(5 + e)"#)
        }
        let vector = (0..<12).map { "0.\($0 % 10)" }.joined(separator: ",")
        try semi.append(semi.periodLine(epoch: 5).replacingOccurrences(of: #""vectors":{"#, with: #""vectors":{"pseudo_label_precision":[\#(vector)],"#))
        let dashboard = try await RunningDashboard.start(roots: [folder.path])
        // The per-class views show the semi-supervised run (r1); the appended period goes to r0's log.
        let arguments = ["--url", "http://127.0.0.1:\(dashboard.port)/#focus=r1", "--append-to", ce.logPath, "--line", ce.periodLine(epoch: 5),
                         "--metric", "eval/top1", "--run", "r0", "--wait-confusion", "--timeout", "30"]
        let output: Data
        do { output = try await offPool { try Chromium.check(arguments) } } catch { await dashboard.stop(); throw error }
        await dashboard.stop()
        let report = try Chromium.parse(output)
        #expect(report["loaded"] as? Bool == true)
        let before = try #require(report["before"] as? [String: Any])
        #expect(before["status"] as? String == "live")
        #expect(before["runs"] as? Int == 2)
        let metrics = try #require(before["metrics"] as? [String])
        for expected in ["groups", "eval/loss", "train/loss", "eval/top1", "eval/mask_ratio", "per_class", "eval/pseudo_label_precision",
                         "eval/confusion"] {
            #expect(metrics.contains(expected), "no \(expected) chart among \(metrics)")
        }
        let points = try #require(before["points"] as? [String: Int])
        #expect(points["eval/top1|r0|"] == 5)
        #expect(points["eval/top1|r1|"] == 6)
        #expect(points["groups|r0|6 3"] == 5)  // the medium-shot line
        // The focused run (r1) at its latest epoch: one point per class (with its move from the epoch before),
        // one pseudo-label precision bar per class, one confusion cell per pair.
        #expect(before["class_points"] as? Int == 12)
        #expect(before["moves"] as? Int == 12)
        #expect(before["bars"] as? Int == 12)
        #expect(before["confusion_cells"] as? Int == 144)
        #expect((before["config_rows"] as? Int ?? 0) >= 1)  // `unlabeled` differs

        #expect(report["live_update"] as? Bool == true)
        let after = try #require(report["after"] as? [String: Any])
        let pointsAfter = try #require(after["points"] as? [String: Int])
        #expect(pointsAfter["eval/top1|r0|"] == 6)
        #expect(after["periods"] as? Int == 12)
    }
}
