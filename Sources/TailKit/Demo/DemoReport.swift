import Foundation

/// The demo's report.html: the comparison table, what the unlabeled data brought, and t-SNE
/// pictures of the learned features (the paper's figures).
struct DemoReport {
    let rows: [DemoExperiment.Row]
    let labeledCounts: [Int]
    let classNames: [String]
    let budget: DemoExperiment.Budget
    let epochs: Int
    let pseudoLabels: PseudoLabelQuality?
    let unlabeledCount: Int
    let tsne: [ScatterPlot]

    func write(to path: String) throws { try document().write(to: path) }

    func document() -> ReportDocument {
        var doc = ReportDocument(title: "The value of labels on Fashion-MNIST-LT",
                                 subtitle: "ResNet-32, \(budget.rawValue) budget (\(epochs) epochs per run)")
        doc.append(.text("""
        Long-tailed Fashion-MNIST: \(labeledCounts.reduce(0, +)) labeled training images, \(labeledCounts.first ?? 0) of the first class down to \(labeledCounts.last ?? 0) of the last; the balanced test set of 10,000 images. Many = classes with more than 100 training images, few = fewer than 20.

        CE + unlabeled: \(unlabeledCount) held-out images, pseudo-labeled by the CE model, join the labeled ones (self-training, rho_U = rho). CE + SSP: the network starts from rotation pre-training on the labeled images without their labels. Balanced: class-balanced sampling (Resample).
        """))
        let fmt = { (x: Double) in String(format: "%.2f", x) }
        doc.append(.table(caption: "Test accuracy (%)", headers: ["method", "sampling", "top-1", "many", "medium", "few", "balanced"],
                          rows: rows.map { [$0.method, $0.sampling, fmt($0.top1), fmt($0.many), fmt($0.medium), fmt($0.few), fmt($0.balanced)] },
                          highlightBestInColumns: [2, 3, 4, 5, 6]))
        if let q = pseudoLabels {
            doc.append(.table(caption: String(format: "Pseudo-labels of the added images: %.2f%% right overall", q.accuracy),
                              headers: ["class", "labeled images", "precision %", "recall %"],
                              rows: classNames.indices.map { [classNames[$0], String(labeledCounts[$0]), fmt(q.precision[$0]), fmt(q.recall[$0])] },
                              highlightBestInColumns: nil))
        }
        doc.append(.heading("t-SNE of the penultimate features on test images"))
        doc.append(.grid(tsne.map { .scatter($0) }))
        doc.append(.text("Each run's own report (curves, per-class accuracy, confusion matrix) is in its folder: " + rows.map { "\($0.runFolder)/report.html" }.joined(separator: ", ")))
        return doc
    }
}
