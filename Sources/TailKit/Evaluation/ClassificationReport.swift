import Foundation
import TailData

/// Everything TailKit reports about a classifier on a labelled set: top-1/top-5, per-class
/// accuracy (recall), many (>100 train images) / medium / few (<20) group means, balanced accuracy
/// and the confusion matrix (rows: true class, columns: predicted).
public struct ClassificationReport: Codable, Equatable, Sendable {
    public var samples: Int
    public var top1: Double
    public var top5: Double
    public var perClass: [Double]
    public var many: Double
    public var medium: Double
    public var few: Double
    public var balanced: Double
    public var confusion: [[Int]]
    public var trainCounts: [Int]

    /// - Parameters:
    ///   - topK: for each sample, its top-k predicted classes, best first (k ≥ 1).
    ///   - labels: the true classes.
    ///   - trainCounts: training images per class, which decide the shot groups.
    public init(topK: [[Int]], labels: [Int], trainCounts: [Int]) {
        let classes = trainCounts.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var hit1 = 0, hit5 = 0
        for (preds, label) in zip(topK, labels) {
            guard let first = preds.first, label >= 0, label < classes, first >= 0, first < classes else { continue }
            confusion[label][first] += 1
            if first == label { hit1 += 1 }
            if preds.prefix(5).contains(label) { hit5 += 1 }
        }
        let n = max(1, labels.count)
        samples = labels.count
        top1 = 100 * Double(hit1) / Double(n)
        top5 = 100 * Double(hit5) / Double(n)
        let recall = confusion.enumerated().map { c, row -> Double in
            let total = row.reduce(0, +)
            return total > 0 ? 100 * Double(row[c]) / Double(total) : 0
        }
        perClass = recall
        let groups = ShotGroups.byTrainingCount(trainCounts)
        let means = groups.groupMeans(recall)
        many = means[.many] ?? 0
        medium = means[.medium] ?? 0
        few = means[.few] ?? 0
        let present = confusion.indices.filter { confusion[$0].reduce(0, +) > 0 }
        balanced = present.isEmpty ? 0 : present.map { recall[$0] }.reduce(0, +) / Double(present.count)
        self.confusion = confusion
        self.trainCounts = trainCounts
    }

    /// The group means as text, "n/a" for a group without classes (its stored value is 0, as the
    /// reference reports it, but 0% would read as a result).
    public var groupSummary: String {
        let groups = ShotGroups.byTrainingCount(trainCounts)
        return [(ShotGroups.Group.many, many), (.medium, medium), (.few, few)].map { group, value in
            let n = groups.members(group).count
            return "\(group.rawValue) " + (n == 0 ? "n/a" : String(format: "%.2f", value)) + " (\(n) cl.)"
        }.joined(separator: "  ")
    }

    /// A plain-text table: the summary line, then one row per class.
    public func table(classNames: [String]) -> String {
        var lines = [String(format: "top-1 %.2f  top-5 %.2f  balanced %.2f  ", top1, top5, balanced) + groupSummary + "  (\(samples) images)"]
        let groups = ShotGroups.byTrainingCount(trainCounts)
        lines.append("class                 train  group   accuracy")
        for c in perClass.indices {
            let name = c < classNames.count ? classNames[c] : "class \(c)"
            let padded = name.padding(toLength: 20, withPad: " ", startingAt: 0)
            lines.append(String(format: "%@ %7d  %-6@ %8.2f", padded, trainCounts[c], groups.groupOfClass[c].rawValue, perClass[c]))
        }
        return lines.joined(separator: "\n")
    }
}

extension ClassificationReport {
    /// The report as open metrics: scalars `top1`, `top5`, `balanced`, `many`, `medium`, `few`,
    /// vectors `per_class` and `train_counts`, the matrix `confusion`.
    public func metrics(loss: Double? = nil) -> Metrics {
        var scalars = ["top1": top1, "top5": top5, "balanced": balanced, "many": many, "medium": medium, "few": few]
        if let loss { scalars["loss"] = loss }
        return Metrics(scalars: scalars, vectors: ["per_class": perClass, "train_counts": trainCounts.map(Double.init)],
                       matrices: ["confusion": confusion])
    }

    /// The report back from its metrics (what `log.jsonl` and `eval_last.json` hold).
    public init?(metrics m: Metrics) {
        guard let top1 = m.scalars["top1"], let perClass = m.vectors["per_class"], let counts = m.vectors["train_counts"],
              let confusion = m.matrices["confusion"] else { return nil }
        self.top1 = top1
        top5 = m.scalars["top5"] ?? 0
        balanced = m.scalars["balanced"] ?? 0
        many = m.scalars["many"] ?? 0
        medium = m.scalars["medium"] ?? 0
        few = m.scalars["few"] ?? 0
        self.perClass = perClass
        trainCounts = counts.map { Int($0) }
        self.confusion = confusion
        samples = confusion.joined().reduce(0, +)
    }
}
