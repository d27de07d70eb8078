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
        // A limit nothing fits in: the plan measures the speed, then takes the fewest epochs of the choices.
        demo.timeLimit = 0.001
        demo.epochChoices = [4, 2, 3]
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

    /// The most epochs of the choices whose estimate fits 70% of the limit; two measurements of
    /// one idle machine a few percent apart choose alike; a machine half as fast gets fewer, a
    /// hopeless one the fewest and a warning.
    @Test func planFitsTheLimit() {
        let work = DemoPlan.Workload(labeledImages: 6046, addedImages: 6043, testImages: 10000, tsnePictures: 3, tsnePoints: 1000,
                                     batchSize: 128)
        let limit = 900.0, share = 0.7, choices = DemoExperiment(budget: .quick).epochChoices
        func check(trainImagesPerSecond: Double, evalImagesPerSecond: Double) -> DemoPlan {
            let speed = DemoPlan.Speed(secondsPerStep: 128 / trainImagesPerSecond, secondsPerEvalImage: 1 / evalImagesPerSecond)
            let plan = DemoPlan.choose(workload: work, speed: speed, limitSeconds: limit, share: share, spent: 3, choices: choices)
            #expect(choices.contains(plan.epochs) && plan.pretrainEpochs == plan.epochs && plan.limitSeconds == limit)
            #expect(plan.estimatedSeconds <= share * limit || plan.epochs == choices.min())
            if let more = choices.filter({ $0 > plan.epochs }).min() {
                #expect(3 + DemoPlan.estimate(epochs: more, pretrainEpochs: more, workload: work, speed: speed) > share * limit)
            }
            return plan
        }
        // What the demo measured on the idle 2-core machine in two runs, and with --threads 1.
        let idle = check(trainImagesPerSecond: 898, evalImagesPerSecond: 2993)
        let idleAgain = check(trainImagesPerSecond: 861, evalImagesPerSecond: 2771)
        let halfSpeed = check(trainImagesPerSecond: 461, evalImagesPerSecond: 1502)
        let hopeless = check(trainImagesPerSecond: 40, evalImagesPerSecond: 100)
        #expect(idle.epochs == 6 && idleAgain.epochs == 6)
        #expect(halfSpeed.epochs == 3 && halfSpeed.estimatedSeconds < limit)
        #expect(hopeless.epochs == 3 && hopeless.estimatedSeconds > limit)
        #expect(hopeless.summary(batchSize: 128).contains("too busy or slow"))
        #expect(!idle.summary(batchSize: 128).contains("too busy or slow") && idle.summary(batchSize: 128).contains("6 epochs per run"))
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
