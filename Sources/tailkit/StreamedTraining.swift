import ArgumentParser
import Foundation
import TailData
import TailKit

/// `tailkit train --stream`: ImageNet-LT / iNaturalist by the reference's protocol (spec §1.5,
/// §4.7): the train list streamed at --crop-size, the best epoch chosen on the val list, then the
/// best weights evaluated once on the test list, whose top-1 and many/medium/few (by training
/// counts) are the reported numbers, written to `test_metrics.json` in the run folder.
extension TrainCommand {
    func runStreamed(_ config: TrainConfig, checkpoint: Checkpoint?, folder: String) throws {
        let lists = try StreamedLists.load(config)
        let initial = try (checkpoint == nil ? pretrained : nil).map { try InitialWeights.read(from: $0) }
        if initial == nil && config.stage != "joint" && checkpoint == nil {
            throw ValidationError("--stage \(config.stage) trains on top of a first-stage model: pass it with --pretrained FILE")
        }
        let task = try SupervisedTask(config: config, lists: lists, initialWeights: initial)
        let trainer = try task.makeTrainer()
        if let checkpoint { try trainer.restore(from: checkpoint) }
        let classNames = lists.train.classNames
        let runFolder = try RunFolder(path: folder, configYAML: config.yaml(),
                                      counts: ClassCountsFile(classNames: classNames, trainCounts: lists.train.classCounts(),
                                                              testCounts: lists.test.classCounts()))
        trainer.hooks = runFolder.standardHooks(config: config, classNames: classNames) + [ConsoleProgress()]
        FileHandle.standardError.write(Data("streaming \(lists.train.count) training images at \(config.cropSize) px; best epoch by the \(lists.val.count)-image val list, final number on the \(lists.test.count)-image test list; run folder \(folder)\n".utf8))
        _ = try trainer.run()
        let best = try Checkpoint.read(from: runFolder.bestCheckpointPath)
        try task.restore(stateDict: best.stateDict, taskState: best.taskState)
        guard let metrics = try task.testMetrics(), let report = ClassificationReport(metrics: metrics) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write([UInt8](try encoder.encode(metrics)), to: "\(folder)/test_metrics.json")
        print("test list, weights of the best val epoch (\(best.epoch)):")
        print(report.table(classNames: classNames))
        print(String(format: "best val top-1 %.2f; test top-1 %.2f (many %.2f, medium %.2f, few %.2f); report: %@",
                     trainer.best ?? 0, report.top1, report.many, report.medium, report.few, runFolder.reportPath))
    }
}
