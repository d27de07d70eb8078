import Foundation
import TailReport

/// The demo's report.html: the comparison table, every run's test accuracy per epoch, what the
/// unlabeled data brought, t-SNE pictures of the learned features (the paper's figures) and
/// links to each run's own report.
struct DemoReport {
    let rows: [DemoExperiment.Row]
    let labeledCounts: [Int]
    let classNames: [String]
    let budget: DemoExperiment.Budget
    let plan: DemoPlan
    let pseudoLabels: PseudoLabelQuality?
    let unlabeledCount: Int
    let tsne: [ScatterPlot]

    /// Writes report.html; its links to the runs are relative, so they work wherever the folder is opened.
    func write(to path: String) throws { try AtomicFile.write(html(), to: path) }

    /// The report with a list of links to the runs' reports (relative to the demo folder) before its end.
    func html() -> String {
        let page = document().render()
        guard let end = page.range(of: "</main>", options: .backwards) else { return page }
        return page.replacingCharacters(in: end.lowerBound..<end.lowerBound, with: runLinks())
    }

    /// `ce_uniform/report.html` for the run folder `<out>/ce_uniform`: the demo's report sits in `<out>`.
    static func relativeReportPath(_ runFolder: String) -> String {
        URL(fileURLWithPath: runFolder).lastPathComponent + "/report.html"
    }

    private func runLinks() -> String {
        var html = "<h2>Each run's own report</h2>\n<p>Curves, per-class accuracy and confusion matrix of every run, in its folder:</p>\n<ul>\n"
        for r in rows {
            let href = Self.relativeReportPath(r.runFolder).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""
            html += "<li><a href=\"\(ReportHTMLEscaping.escape(href))\">\(ReportHTMLEscaping.escape("\(r.method), \(r.sampling) sampling"))</a></li>\n"
        }
        return html + "</ul>\n"
    }

    func document() -> ReportDocument {
        let epochs = rows.first?.epochs ?? plan.epochs
        let averaged = rows.first?.averagedEpochs ?? 1
        let schedule = budget == .quick ? "the lr decays to zero along a cosine" : "the reference's step schedule"
        var how = "\(budget.rawValue) budget: \(epochs) epochs per run"
        if let limit = plan.limitSeconds, plan.speed != nil {
            how += ", chosen from this machine's measured speed to fit \(ProgressBar.clock(limit))"
        }
        var doc = ReportDocument(title: "The value of labels on Fashion-MNIST-LT", subtitle: "ResNet-32, \(how)")
        doc.append(.text("""
        Long-tailed Fashion-MNIST: \(labeledCounts.reduce(0, +)) labeled training images, \(labeledCounts.first ?? 0) of the first class down to \(labeledCounts.last ?? 0) of the last; the balanced test set of 10,000 images. Many = classes with more than 100 training images, few = fewer than 20.

        CE + unlabeled: \(unlabeledCount) held-out images, pseudo-labeled by the CE model, join the labeled ones (self-training, rho_U = rho). CE + SSP: the network starts from rotation pre-training (\(plan.pretrainEpochs) epochs) on the labeled images without their labels. Balanced: class-balanced sampling (Resample).

        Every run trains \(epochs) epochs; \(schedule). Top-1, many, medium and few are the mean test accuracy of the last \(averaged) epochs, where the lr is low, so that one epoch's swing does not decide the comparison; best is the best epoch's top-1 (the reference train.py's Best Prec@1), which is picked on the test set and so flatters every method.
        """))
        let fmt = { (x: Double) in String(format: "%.2f", x) }
        doc.append(.table(caption: "Test accuracy (%): mean of the last \(averaged) of \(epochs) epochs, and the best epoch",
                          headers: ["method", "sampling", "top-1", "best (epoch)", "many", "medium", "few"],
                          rows: rows.map { [$0.method, $0.sampling, fmt($0.top1), "\(fmt($0.best)) (\($0.bestEpoch))", fmt($0.many),
                                            fmt($0.medium), fmt($0.few)] },
                          highlightBestInColumns: [2, 3, 4, 5, 6]))
        doc.append(.lineChart(LineChart(title: "Test top-1 after every epoch", xLabel: "epoch", yLabel: "top-1 %",
                                        series: rows.map { LineChart.Series(name: "\($0.method), \($0.sampling)", values: $0.top1ByEpoch) })))
        if let q = pseudoLabels {
            doc.append(.table(caption: String(format: "Pseudo-labels of the added images: %.2f%% right overall", q.accuracy),
                              headers: ["class", "labeled images", "precision %", "recall %"],
                              rows: classNames.indices.map { [classNames[$0], String(labeledCounts[$0]), fmt(q.precision[$0]), fmt(q.recall[$0])] },
                              highlightBestInColumns: nil))
        }
        doc.append(.heading("t-SNE of the penultimate features on test images"))
        doc.append(.grid(tsne.map { .scatter($0) }))
        return doc
    }
}
