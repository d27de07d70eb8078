import Foundation
import TailData

/// The `report.html` of one training run: configuration, final metrics, training and test curves,
/// per-class accuracy against training count, the confusion matrix and the per-epoch history.
struct RunReport {
    let title: String
    let config: TrainConfig
    let history: [EpochSummary]
    let classNames: [String]

    func write(to path: String) throws {
        try document().write(to: path)
    }

    func document() -> ReportDocument {
        var doc = ReportDocument(title: title, subtitle: "\(config.dataset), \(config.arch.rawValue), loss \(config.loss.rawValue), rule \(config.rule.rawValue)")
        doc.append(.keyValues([
            ("data set", config.dataset), ("imbalance", "\(config.imbType), factor \(config.imbFactor)"),
            ("network", config.arch.rawValue), ("loss / rule / stage", "\(config.loss.rawValue) / \(config.rule.rawValue) / \(config.stage)"),
            ("epochs", "\(config.epochs)"), ("lr / schedule", "\(config.lr) / \(config.schedule)"),
            ("batch / weight decay", "\(config.batchSize) / \(config.wd)"), ("seed", "\(config.seed)"),
        ]))
        guard let last = history.last else {
            doc.append(.text("No epoch has finished yet."))
            return doc
        }
        let groups = ShotGroups.byTrainingCount(last.test.trainCounts)
        doc.append(.table(caption: "Test set after epoch \(last.epoch + 1) of \(config.epochs) (accuracy, %)",
                          headers: ["top-1", "top-5", "balanced", "many", "medium", "few", "best top-1"],
                          rows: [[fmt(last.test.top1), fmt(last.test.top5), fmt(last.test.balanced)]
                                  + [(ShotGroups.Group.many, last.test.many), (.medium, last.test.medium), (.few, last.test.few)].map { g, v in
                                      groups.members(g).isEmpty ? "n/a (no class)" : fmt(v)
                                  } + [fmt(history.map(\.test.top1).max() ?? 0)]],
                          highlightBestInColumns: nil))
        doc.append(.grid([
            .lineChart(LineChart(title: "Loss", xLabel: "epoch", yLabel: "cross entropy", series: [
                .init(name: "train", points: history.map { (Double($0.epoch + 1), $0.trainLoss) }),
                .init(name: "test", points: history.map { (Double($0.epoch + 1), $0.testLoss) }),
            ])),
            .lineChart(LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "%", series: [
                .init(name: "train", points: history.map { (Double($0.epoch + 1), $0.trainAccuracy) }),
                .init(name: "test top-1", points: history.map { (Double($0.epoch + 1), $0.test.top1) }),
                .init(name: "many", points: history.map { (Double($0.epoch + 1), $0.test.many) }),
                .init(name: "medium", points: history.map { (Double($0.epoch + 1), $0.test.medium) }),
                .init(name: "few", points: history.map { (Double($0.epoch + 1), $0.test.few) }),
            ])),
        ]))
        let points = last.test.perClass.indices.map { c in
            ScatterPlot.Point(x: Double(max(1, last.test.trainCounts[c])), y: last.test.perClass[c], classIndex: c,
                              label: "\(name(c)): \(last.test.trainCounts[c]) training images, \(fmt(last.test.perClass[c]))%")
        }
        doc.append(.grid([
            .scatter(ScatterPlot(title: "Per-class accuracy against training count", xLabel: "training images (log)",
                                 yLabel: "test accuracy %", points: points, classNames: classNames, logX: true)),
            .heatmap(Heatmap(title: "Confusion matrix (row-normalised)", counts: last.test.confusion, classNames: classNames)),
        ]))
        doc.append(.table(caption: "Per class", headers: ["class", "training images", "test accuracy %"],
                          rows: last.test.perClass.indices.map { [name($0), String(last.test.trainCounts[$0]), fmt(last.test.perClass[$0])] },
                          highlightBestInColumns: nil))
        doc.append(.table(caption: "History", headers: ["epoch", "lr", "train loss", "train acc", "test loss", "top-1", "many", "medium", "few", "img/s"],
                          rows: history.map { s in
                              [String(s.epoch + 1), String(format: "%.5f", s.lr), String(format: "%.4f", s.trainLoss), fmt(s.trainAccuracy),
                               String(format: "%.4f", s.testLoss), fmt(s.test.top1), fmt(s.test.many), fmt(s.test.medium), fmt(s.test.few),
                               String(Int(s.imagesPerSecond))]
                          }, highlightBestInColumns: [5]))
        return doc
    }

    private func name(_ c: Int) -> String { c < classNames.count ? classNames[c] : "class \(c)" }
    private func fmt(_ x: Double) -> String { String(format: "%.2f", x) }
}
