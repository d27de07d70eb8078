import Foundation
import TailData
import TailReport

/// The `report.html` of one run, made from its periods (`log.jsonl`) as they come, whatever the
/// task: the configuration, the last evaluation, a curve for every training and evaluation
/// scalar, and for classifiers per-class accuracy against training count and the confusion matrix.
///
/// ```swift
/// let periods = try RunLog.periods(in: "runs/x/log.jsonl")
/// try RunReport(title: "x", settings: [("data set", "cifar10")], periods: periods, classNames: names).write(to: "runs/x/report.html")
/// ```
public struct RunReport {
    public var title: String
    /// The run's settings, shown as a table (config.yaml's lines for `tailkit report`).
    public var settings: [(String, String)]
    public var periods: [PeriodSummary]
    public var classNames: [String]
    /// Epochs on the x axis (else optimizer steps).
    public var epochBased: Bool

    public init(title: String, settings: [(String, String)], periods: [PeriodSummary], classNames: [String], epochBased: Bool = true) {
        self.title = title
        self.settings = settings
        self.periods = periods
        self.classNames = classNames
        self.epochBased = epochBased
    }

    public func write(to path: String) throws {
        try document().write(to: path)
    }

    func document() -> ReportDocument {
        var doc = ReportDocument(title: title, subtitle: settings.first { $0.0 == "task" }.map { "task: \($0.1)" } ?? "")
        doc.append(.keyValues(settings))
        guard let last = periods.last else {
            doc.append(.text("No period has finished yet."))
            return doc
        }
        if let eval = last.eval { doc.append(lastEvaluation(eval, of: last)) }
        doc.append(.grid(curves()))
        if let eval = last.eval, let perClass = eval.vectors["per_class"], let counts = eval.vectors["train_counts"],
           perClass.count == counts.count {
            doc.append(.grid(perClassSections(perClass: perClass, counts: counts, confusion: eval.matrices["confusion"])))
            doc.append(.table(caption: "Per class", headers: ["class", "training images", "\(split) accuracy %"],
                              rows: perClass.indices.map { [name($0), String(Int(counts[$0])), fmt(perClass[$0])] },
                              highlightBestInColumns: nil))
        }
        doc.append(history())
        return doc
    }

    private var xLabel: String { epochBased ? "epoch" : "step" }
    private func x(_ p: PeriodSummary) -> Double { Double(epochBased ? p.epoch + 1 : p.step) }

    /// The last evaluation's scalars, with many/medium/few shown as n/a when their group is empty.
    private func lastEvaluation(_ eval: Metrics, of last: PeriodSummary) -> ReportDocument.Section {
        let counts = eval.vectors["train_counts"].map { $0.map { Int($0) } }
        let groups = counts.map { ShotGroups.byTrainingCount($0) }
        let names = eval.scalars.keys.sorted(by: Self.metricOrder)
        let cells = names.map { name -> String in
            if let groups, let group = ShotGroups.Group(rawValue: name), groups.members(group).isEmpty { return "n/a (no class)" }
            return fmt(eval.scalars[name] ?? 0)
        }
        let when = epochBased ? "epoch \(last.epoch + 1)" : "step \(last.step)"
        return .table(caption: "Evaluation on the \(split) split after \(when)" + (last.best.map { ", best so far \(fmt($0))" } ?? ""),
                      headers: names, rows: [cells], highlightBestInColumns: nil)
    }

    /// The split the evaluations come from: "test", or "val" for runs whose val list picks the best epoch.
    private var split: String { periods.last?.evalSplitName ?? "test" }

    /// A chart of the loss (train and evaluation), and one of every other scalar over the periods.
    private func curves() -> [ReportDocument.Section] {
        let trainNames = Set(periods.flatMap { $0.train.keys }), evalNames = Set(periods.flatMap { $0.eval?.scalars.keys ?? [:].keys })
        var losses: [LineChart.Series] = []
        if trainNames.contains("loss") { losses.append(series("train", { $0.train["loss"] })) }
        if evalNames.contains("loss") { losses.append(series(split, { $0.eval?.scalars["loss"] })) }
        var others: [LineChart.Series] = trainNames.filter { $0 != "loss" }.sorted().map { n in series("train \(n)", { $0.train[n] }) }
        others += evalNames.filter { $0 != "loss" }.sorted(by: Self.metricOrder).map { n in series(n, { $0.eval?.scalars[n] }) }
        var charts: [ReportDocument.Section] = []
        if !losses.isEmpty { charts.append(.lineChart(LineChart(title: "Loss", xLabel: xLabel, yLabel: "loss", series: losses))) }
        if !others.isEmpty { charts.append(.lineChart(LineChart(title: "Metrics", xLabel: xLabel, yLabel: "value", series: others))) }
        return charts
    }

    private func series(_ name: String, _ value: (PeriodSummary) -> Double?) -> LineChart.Series {
        .init(name: name, points: periods.compactMap { p in value(p).map { (x(p), $0) } })
    }

    private func perClassSections(perClass: [Double], counts: [Double], confusion: [[Int]]?) -> [ReportDocument.Section] {
        let points = perClass.indices.map { c in
            ScatterPlot.Point(x: max(1, counts[c]), y: perClass[c], classIndex: c,
                              label: "\(name(c)): \(Int(counts[c])) training images, \(fmt(perClass[c]))%")
        }
        var sections: [ReportDocument.Section] = [
            .scatter(ScatterPlot(title: "Per-class accuracy against training count", xLabel: "training images (log)",
                                 yLabel: "\(split) accuracy %", points: points, classNames: classNames, logX: true)),
        ]
        if let confusion { sections.append(.heatmap(Heatmap(title: "Confusion matrix (row-normalised)", counts: confusion, classNames: classNames))) }
        return sections
    }

    /// One row per period: its step, lr, training means and evaluation scalars.
    private func history() -> ReportDocument.Section {
        let trainNames = Set(periods.flatMap { $0.train.keys }).sorted()
        let evalNames = Set(periods.flatMap { $0.eval?.scalars.keys ?? [:].keys }).sorted(by: Self.metricOrder)
        let headers = [xLabel, "lr"] + trainNames.map { "train \($0)" } + evalNames + ["img/s"]
        let rows = periods.map { p in
            [String(Int(x(p))), String(format: "%.5f", p.lr)] + trainNames.map { p.train[$0].map(fmt) ?? "" }
                + evalNames.map { p.eval?.scalars[$0].map(fmt) ?? "" } + [String(Int(p.imagesPerSecond))]
        }
        let best = evalNames.firstIndex(of: "top1").map { Set([2 + trainNames.count + $0]) }
        return .table(caption: "History", headers: headers, rows: rows, highlightBestInColumns: best)
    }

    /// top-1 first, then the shot groups, then the rest by name.
    static func metricOrder(_ a: String, _ b: String) -> Bool {
        let first = ["top1", "top5", "balanced", "many", "medium", "few"]
        switch (first.firstIndex(of: a), first.firstIndex(of: b)) {
        case let (i?, j?): return i < j
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a < b
        }
    }

    private func name(_ c: Int) -> String { c < classNames.count ? classNames[c] : "class \(c)" }
    private func fmt(_ x: Double) -> String { String(format: "%.2f", x) }
}

/// Re-renders `report.html` after every period from the run's periods (read back from
/// `log.jsonl` when resuming, so the report covers the whole run).
public final class ReportHook: TrainerHook {
    public let path: String
    public let logPath: String
    public let title: String
    public let settings: [(String, String)]
    public let classNames: [String]
    private var periods: [PeriodSummary] = []
    private var epochBased = true

    public var phase: HookPhase { .report }

    public init(path: String, logPath: String, title: String, settings: [(String, String)], classNames: [String]) {
        self.path = path
        self.logPath = logPath
        self.title = title
        self.settings = settings
        self.classNames = classNames
    }

    public func runStarted(_ run: RunStart) throws {
        epochBased = run.epochBased
        periods = ((try? RunLog.periods(in: logPath)) ?? []).filter { $0.step <= run.startStep }
    }

    public func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        periods.append(summary)
        try RunReport(title: title, settings: settings, periods: periods, classNames: classNames, epochBased: epochBased).write(to: path)
    }
}

extension RunReport {
    /// The report of a run folder as it is on disk: its `config.yaml` settings, the periods of its
    /// `log.jsonl` and the class names of its `counts.json` (when the run has labels).
    public init(folder: String) throws {
        let configPath = "\(folder)/config.yaml"
        guard let yaml = try? String(contentsOfFile: configPath, encoding: .utf8) else {
            throw TailKitError.badFile(path: configPath, problem: "cannot read the run's config (is \(folder) a run folder?)")
        }
        let settings = yaml.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var classNames: [String] = []
        if let data = FileManager.default.contents(atPath: "\(folder)/counts.json"),
           let counts = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            classNames = counts["class_names"] as? [String] ?? []
        }
        self.init(title: "TailKit run \(URL(fileURLWithPath: folder).lastPathComponent)", settings: settings,
                  periods: try RunLog.periods(in: "\(folder)/log.jsonl"), classNames: classNames)
    }
}
