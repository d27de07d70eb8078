import Foundation
import Testing
@testable import TailKit
import TestSupport

/// The demo's whole pipeline on a tiny data set: six runs, pseudo-labels, rotation pre-training,
/// t-SNE and one report.
@Suite struct DemoTests {
    @Test func demoRunsEveryArmAndWritesOneReport() throws {
        let dir = try TinyDataset.writeMNISTStyle(trainPerClass: 30, testPerClass: 10)
        var demo = DemoExperiment(budget: .quick)
        demo.data = try LoadedDataset.load(.mnist, dataDir: dir)
        demo.imbFactor = 0.1
        demo.holdOut = 0.6
        demo.epochs = 1
        demo.pretrainEpochs = 1
        demo.tsnePoints = 100
        demo.outDir = NSTemporaryDirectory() + "tk-demo-\(UUID().uuidString)"
        var lines: [String] = []
        let result = try demo.run(observers: { [] }, log: { lines.append($0) })
        #expect(result.rows.map(\.method) == ["CE", "CE", "CE + unlabeled", "CE + unlabeled", "CE + SSP", "CE + SSP"])
        #expect(result.rows.map(\.sampling) == ["uniform", "balanced", "uniform", "balanced", "uniform", "balanced"])
        #expect(result.pseudoLabelAccuracy != nil)
        let html = try String(contentsOfFile: result.reportPath, encoding: .utf8)
        #expect(html.contains("t-SNE") && html.contains("CE + SSP") && html.components(separatedBy: "<svg").count >= 4)
        #expect(FileManager.default.fileExists(atPath: "\(demo.outDir)/results.json"))
        #expect(lines.contains { $0.contains("pseudo-labeled images join") })
    }
}
