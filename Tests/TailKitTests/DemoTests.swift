import Foundation
import Testing
@testable import TailKit
import TestSupport

/// The demo's whole pipeline on a tiny data set: the speed measurement and plan, six runs,
/// pseudo-labels, rotation pre-training, t-SNE, the table and one report with links to the runs;
/// the plan's choice of epochs; progress lines in a log file.
@Suite struct DemoTests {
    @Test func demoRunsEveryArmAndWritesOneReport() throws {
        let dir = try TinyDataset.writeMNISTStyle(trainPerClass: 30, testPerClass: 10)
        let out = NSTemporaryDirectory() + "tk-demo-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: out)
        }
        var demo = DemoExperiment(budget: .quick)
        demo.data = try LoadedDataset.load(.mnist, dataDir: dir)
        demo.imbFactor = 0.1
        demo.holdOut = 0.6
        // A limit nothing fits in: the plan measures the speed, then takes the fewest epochs of the range.
        demo.timeLimit = 0.001
        demo.epochRange = 2...4
        demo.pretrainEpochs = 1
        demo.tsnePoints = 100
        demo.outDir = out
        var lines: [String] = []
        let result = try demo.run(hooks: { [] }, log: { lines.append($0) })

        #expect(result.plan.epochs == 2 && result.plan.pretrainEpochs == 1)
        #expect(result.plan.speed != nil)
        #expect(lines.contains { $0.contains("measured") && $0.contains("2 epochs per run") && $0.contains("too busy or slow") })
        #expect(lines.contains { $0.contains("pseudo-labeled images join") })
        #expect(lines.filter { $0.hasPrefix("rotation epoch ") }.count == 1)

        try #require(result.rows.count == 6)
        #expect(result.rows.map(\.method) == ["CE", "CE", "CE + unlabeled", "CE + unlabeled", "CE + SSP", "CE + SSP"])
        #expect(result.rows.map(\.sampling) == ["uniform", "balanced", "uniform", "balanced", "uniform", "balanced"])
        for row in result.rows {
            try #require(row.top1ByEpoch.count == 2)
            #expect(row.epochs == 2 && row.averagedEpochs == 1)
            #expect(row.top1 == row.top1ByEpoch[1])
            #expect(row.best == row.top1ByEpoch.max() && row.best >= row.top1)
            #expect(row.top1ByEpoch[row.bestEpoch - 1] == row.best)
        }
        #expect(result.pseudoLabelAccuracy != nil)

        // The text table: a header naming every column, then one line per run ending in its six numbers.
        let table = DemoExperiment.table(result.rows).split(separator: "\n").map(String.init)
        try #require(table.count == 7)
        #expect(table[0].split(separator: " ").map(String.init) == ["method", "sampling", "top-1", "best", "epoch", "many", "medium", "few"])
        for (line, row) in zip(table.dropFirst(), result.rows) {
            let fields = line.split(separator: " ").map(String.init)
            try #require(fields.count >= 8)
            #expect(line.hasPrefix(row.method + " ") && fields[fields.count - 7] == row.sampling)
            let numbers = fields.suffix(6).compactMap(Double.init)
            try #require(numbers.count == 6)
            #expect(abs(numbers[0] - row.top1) < 0.006 && abs(numbers[1] - row.best) < 0.006 && Int(numbers[2]) == row.bestEpoch)
        }
        #expect(DemoExperiment.tableLegend(result.rows).contains("last 1 of 2 epochs"))

        // The report: the table with the best epoch, the curves, t-SNE, and relative links that resolve from its folder.
        let html = try String(contentsOfFile: result.reportPath, encoding: .utf8)
        #expect(html.contains("t-SNE") && html.contains("CE + SSP") && html.contains("best (epoch)"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 4)
        let links = html.components(separatedBy: "<a href=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
        try #require(links.count == 6)
        #expect(links == result.rows.map { "\(URL(fileURLWithPath: $0.runFolder).lastPathComponent)/report.html" })
        for link in links {
            #expect(!link.hasPrefix("/") && FileManager.default.fileExists(atPath: "\(out)/\(link)"))
        }
        #expect(FileManager.default.fileExists(atPath: "\(out)/results.json"))
    }

    /// The most epochs whose estimate fits 70% of the limit; a slower machine gets fewer, a hopeless one the minimum.
    @Test func planFitsTheLimit() {
        let work = DemoPlan.Workload(labeledImages: 6046, addedImages: 6046, testImages: 10000, tsnePictures: 3, tsnePoints: 1000,
                                     batchSize: 128)
        let limit = 900.0, share = 0.7
        func check(_ speed: DemoPlan.Speed) -> DemoPlan {
            let plan = DemoPlan.choose(workload: work, speed: speed, limitSeconds: limit, share: share, spent: 5, range: 3...12)
            let next = 5 + DemoPlan.estimate(epochs: plan.epochs + 1, pretrainEpochs: plan.epochs + 1, workload: work, speed: speed)
            #expect(plan.estimatedSeconds <= share * limit || plan.epochs == 3)
            #expect(next > share * limit || plan.epochs == 12)
            #expect(plan.pretrainEpochs == plan.epochs && plan.limitSeconds == limit)
            return plan
        }
        let idle = check(DemoPlan.Speed(secondsPerStep: 0.16, secondsPerEvalImage: 1.0 / 2500))
        let busy = check(DemoPlan.Speed(secondsPerStep: 0.32, secondsPerEvalImage: 2.0 / 2500))
        let hopeless = check(DemoPlan.Speed(secondsPerStep: 3, secondsPerEvalImage: 0.01))
        #expect(idle.epochs > busy.epochs && busy.epochs >= 3)
        #expect(hopeless.epochs == 3 && hopeless.estimatedSeconds > limit)
        #expect(hopeless.summary(batchSize: 128).contains("too busy or slow"))
        #expect(!idle.summary(batchSize: 128).contains("too busy or slow"))
    }

    /// Without a terminal a run's progress is a few plain lines, not one per redraw.
    @Test func progressWithoutTerminalWritesFewLines() throws {
        final class Lines { var all: [String] = [] }
        let everyTenth = Lines(), throttled = Lines()
        let bar = ProgressBar(total: 1000, label: "training", plainMinInterval: 0, interactive: false, write: { everyTenth.all.append($0) })
        let quiet = ProgressBar(total: 1000, label: "training", interactive: false, write: { throttled.all.append($0) })
        for done in 1...1000 {
            bar.update(done, unit: "step")
            quiet.update(done, unit: "step")
        }
        bar.update(1000, unit: "step")
        try #require(everyTenth.all.count == 10)
        #expect(everyTenth.all.first?.hasPrefix("training 10% 100/1000 ") == true)
        #expect(everyTenth.all.last?.hasPrefix("training 100% 1000/1000 ") == true)
        #expect(everyTenth.all.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") })
        // The default: at most one line per 30 s, so a fast run writes only its last line.
        try #require(throttled.all.count == 1)
        #expect(throttled.all.first?.hasPrefix("training 100% ") == true)
    }
}
