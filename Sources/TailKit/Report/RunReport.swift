import Foundation

/// The `report.html` of one training run: configuration, final metrics, per-epoch history and
/// per-class accuracy against training count.
struct RunReport {
    let title: String
    let config: TrainConfig
    let history: [EpochSummary]
    let classNames: [String]

    func write(to path: String) throws {
        try AtomicFile.write(render(), to: path)
    }

    func render() -> String {
        var body = "<h1>\(escapeHTML(title))</h1>\n"
        body += "<p>\(escapeHTML("\(config.dataset), \(config.arch.rawValue), loss \(config.loss.rawValue), rule \(config.rule.rawValue), imbalance \(config.imbType) \(config.imbFactor), \(config.epochs) epochs, lr \(config.lr), batch \(config.batchSize), seed \(config.seed)"))</p>\n"
        if let last = history.last {
            body += "<h2>Test set after epoch \(last.epoch + 1)</h2>\n"
            body += table(["top-1", "top-5", "balanced", "many", "medium", "few"],
                          [[last.test.top1, last.test.top5, last.test.balanced, last.test.many, last.test.medium, last.test.few].map(fmt)])
            body += "<h2>Per class</h2>\n"
            body += table(["class", "training images", "accuracy"], last.test.perClass.indices.map { c in
                [c < classNames.count ? classNames[c] : "class \(c)", String(last.test.trainCounts[c]), fmt(last.test.perClass[c])]
            })
        }
        body += "<h2>History</h2>\n"
        body += table(["epoch", "lr", "train loss", "train acc", "test loss", "top-1", "many", "medium", "few", "img/s"], history.map { s in
            [String(s.epoch + 1), String(format: "%.5f", s.lr), String(format: "%.4f", s.trainLoss), fmt(s.trainAccuracy),
             String(format: "%.4f", s.testLoss), fmt(s.test.top1), fmt(s.test.many), fmt(s.test.medium), fmt(s.test.few),
             String(Int(s.imagesPerSecond))]
        })
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(title))</title>
        <style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}</style></head>
        <body>
        \(body)</body></html>
        """
    }

    private func fmt(_ x: Double) -> String { String(format: "%.2f", x) }

    private func table(_ headers: [String], _ rows: [[String]]) -> String {
        var html = "<table><tr>" + headers.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\(escapeHTML($0))</td>" }.joined() + "</tr>\n" }
        return html + "</table>\n"
    }
}

func escapeHTML(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
