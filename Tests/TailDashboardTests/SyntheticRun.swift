import Foundation
import TestSupport

/// A run folder as `tailkit train` writes it (`RunFolder`, `RunLog`'s line format), made up for the
/// dashboard tests: `config.yaml`, `counts.json`, `log.jsonl` with a `start` event and one `period`
/// line per `appendPeriod`. Accuracy rises with the epoch and with the class's training count, so
/// the charts have the long-tail shape.
struct SyntheticRun {
    let path: String
    let classes: Int
    let stepsPerEpoch = 10
    /// Epochs to reach 63% of the final accuracy (varied so that runs side by side differ).
    var pace = 30.0
    var counts: [Int] { (0..<classes).map { Int(500.0 * pow(0.01, Double($0) / Double(max(1, classes - 1)))) } }

    init(path: String, classes: Int = 10, config: [String: String] = ["loss": "ce", "rule": "none"], writeCounts: Bool = true) throws {
        self.path = path
        self.classes = classes
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let yaml = (["dataset": "cifar10", "arch": "resnet32", "epochs": "200"].merging(config) { $1 })
            .sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\n"
        try yaml.write(toFile: "\(path)/config.yaml", atomically: true, encoding: .utf8)
        if writeCounts {
            let names = (0..<classes).map { "\"class\($0)\"" }.joined(separator: ",")
            let json = #"{"class_names":[\#(names)],"train_counts":[\#(counts.map(String.init).joined(separator: ","))]}"#
            try json.write(toFile: "\(path)/counts.json", atomically: true, encoding: .utf8)
        }
        try append(#"{"event":"start","step":0,"steps_per_epoch":\#(stepsPerEpoch),"steps_per_period":\#(stepsPerEpoch),"task":"supervised","total_steps":2000}"#)
    }

    var logPath: String { "\(path)/log.jsonl" }

    /// Appends one line (plus newline) as the training process does: one write to the open file.
    func append(_ line: String, newline: Bool = true) throws {
        if !FileManager.default.fileExists(atPath: logPath), !FileManager.default.createFile(atPath: logPath, contents: nil) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: logPath])
        }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data((line + (newline ? "\n" : "")).utf8))
    }

    func appendPeriod(epoch: Int, extra: String = "") throws {
        try append(periodLine(epoch: epoch, extra: extra))
    }

    /// A `period` line of epoch `epoch` in `RunLog`'s format; `extra` adds scalars to `eval.scalars`.
    func periodLine(epoch: Int, extra: String = "") -> String {
        let progress = 1 - exp(-Double(epoch + 1) / pace)
        let perClass = counts.map { c in (100 * progress * (0.3 + 0.7 * log(Double(c)) / log(500.0))).rounded() / 1 }
        let third = classes / 3
        func mean(_ r: Range<Int>) -> Double { r.isEmpty ? 0 : r.map { perClass[$0] }.reduce(0, +) / Double(r.count) }
        let top1 = perClass.reduce(0, +) / Double(classes)
        // Each class's images: right ones on the diagonal, the rest taken for class 0.
        var rows: [String] = []
        for i in 0..<classes {
            let right = Int(perClass[i])
            var row = [Int](repeating: 0, count: classes)
            row[i] += right
            row[0] += 100 - right
            rows.append("[" + row.map(String.init).joined(separator: ",") + "]")
        }
        let confusion = rows.joined(separator: ",")
        let list = { (v: [Double]) in v.map { String($0) }.joined(separator: ",") }
        return #"{"event":"period","best":\#(top1),"epoch":\#(epoch),"eval":{"matrices":{"confusion":[\#(confusion)]},"#
            + #""scalars":{"balanced":\#(top1),"few":\#(mean(2 * third..<classes)),"loss":\#(2.3 * (1 - progress) + 0.3),"#
            + #""many":\#(mean(0..<third)),"medium":\#(mean(third..<2 * third)),"top1":\#(top1),"top5":\#(min(100, top1 + 20))\#(extra)},"#
            + #""vectors":{"per_class":[\#(list(perClass))],"train_counts":[\#(list(counts.map(Double.init)))]}},"#
            + #""images_per_s":900.5,"is_best":true,"lr":0.1,"step":\#((epoch + 1) * stepsPerEpoch),"train":{"accuracy":\#(top1 + 5),"loss":\#(2.0 * (1 - progress) + 0.2)}}"#
    }
}
