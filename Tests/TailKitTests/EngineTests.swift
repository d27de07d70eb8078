import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport
import Torch
import TorchNN

/// A method defined here, outside the library, with no change to the engine: a linear classifier
/// on the raw pixels, with a per-sample table (how often each image was seen and its last loss)
/// as its own state, and metrics of its own. That it trains, logs its metrics to `log.jsonl` and
/// TensorBoard, and resumes exactly, is the proof that new methods plug in.
private final class ToyTableTask: TrainingTask {
    let name = "toy"
    let selectionMetric: String? = "toy_accuracy"
    let net: Linear
    let train: ImageSet
    let batchSize: Int
    /// A step whose loss is made NaN, as a diverging method's would be.
    var poisonedStep: Int?
    /// Evaluations (1-based) that report a NaN per-class entry, and the one whose loss is NaN, as
    /// diverged weights' would be.
    var nanVectorEvaluations: Set<Int> = []
    var nanLossEvaluation: Int?
    private var evaluations = 0
    var seen: [Double]
    var lastLoss: [Double]

    init(train: ImageSet, batchSize: Int = 8) throws {
        Torch.manualSeed(3)
        net = try Linear(train.imageBytes, train.numClasses)
        self.train = train
        self.batchSize = batchSize
        seen = [Double](repeating: 0, count: train.count)
        lastLoss = [Double](repeating: 0, count: train.count)
    }

    var classCounts: [Int] { train.classCounts() }
    func parameters() -> [Tensor] { net.parameters() }

    func makeStream() throws -> any BatchStream<Batch> {
        try DataLoaderStream(DataLoader(shuffling: train, batchSize: batchSize, dropLast: true,
                                        views: [try AugmentPipeline.named("none", inputHeight: train.height, inputWidth: train.width)],
                                        normalization: .unit(channels: train.channels), seed: 11, workers: 1))
    }

    func step(_ batch: Batch, at position: SchedulePosition) throws -> StepOutput {
        let x = try batch.views[0].tensor().flatten(start: 1)
        let perSample = try Functional.crossEntropy(net(x), target: batch.labelTensor(), reduction: .none)
        for (i, loss) in zip(batch.indices, try perSample.detach().toArray(Double.self)) {
            seen[i] += 1
            lastLoss[i] = loss
        }
        let loss = position.step == poisonedStep ? try perSample.mean() * Double.nan : try perSample.mean()
        return StepOutput(loss: loss, count: batch.count,
                          metrics: ["toy_mean_seen": seen.reduce(0, +) / Double(seen.count)])
    }

    func evaluate() throws -> Metrics? {
        let x = try ImageSetTensor.pixels(train)
        let predicted = try withNoGrad { try net(x).argmax(dim: 1) }.toArray(Int.self)
        let right = zip(predicted, train.labels).filter { $0 == $1 }.count
        evaluations += 1
        var metrics = Metrics(scalars: ["toy_accuracy": 100 * Double(right) / Double(train.count), "toy_table_loss": lastLoss.reduce(0, +)],
                              vectors: ["toy_seen": seen])
        if nanVectorEvaluations.contains(evaluations) { metrics.vectors["toy_per_class"] = [.nan, .infinity, 1] }
        if nanLossEvaluation == evaluations { metrics.scalars["loss"] = .nan }
        return metrics
    }

    func savedStateDict() throws -> [(String, Tensor)] { net.stateDict() }

    func stateTensors() throws -> [(String, Tensor)] {
        [("seen", try Tensor(seen)), ("last_loss", try Tensor(lastLoss))]
    }

    func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
        try net.loadStateDict(stateDict)
        let state = Dictionary(taskState, uniquingKeysWith: { a, _ in a })
        guard let s = state["seen"], let l = state["last_loss"] else { throw TailKitError.invalidOption("toy task state missing") }
        seen = try s.toArray(Double.self)
        lastLoss = try l.toArray(Double.self)
    }
}

/// All pixels of a set as one float tensor [N, H·W·C] in [0, 1].
private enum ImageSetTensor {
    static func pixels(_ set: ImageSet) throws -> Tensor {
        try Tensor(set.images.map { Float($0) / 255 }).reshape([set.count, set.imageBytes])
    }
}

/// Stops a run after `periods` periods, as a crash would (after the checkpoint is written).
private final class CrashAfter: TrainerHook {
    let periods: Int
    var seen = 0
    var phase: HookPhase { .console }
    init(periods: Int) { self.periods = periods }
    func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        seen += 1
        if seen == periods { throw CancellationError() }
    }
}

@Suite(.serialized) struct EngineTests {
    private func tinySet() throws -> (ImageSet, String) {
        let dir = try TinyDataset.writeMNISTStyle(trainPerClass: 6, testPerClass: 1)
        return (try LoadedDataset.load(.mnist, dataDir: dir).train, dir)
    }

    private func trainer(_ task: ToyTableTask, folder: RunFolder, length: TrainingLength) throws -> Trainer<ToyTableTask> {
        let t = try Trainer(task: task, optimizer: try SGD(task.parameters(), lr: 0.05, momentum: 0.9),
                            schedule: FixMatchCosineSchedule(baseLR: 0.05), length: length, arch: "toy", configJSON: "{}")
        t.hooks = [folder, RunLog(path: folder.logPath, stepInterval: 5), TensorBoardHook(directory: folder.tensorBoardPath, stepInterval: 5)]
        return t
    }

    @Test func aTaskDefinedOutsideTheEngineTrainsLogsAndResumesExactly() throws {
        let (set, dataDir) = try tinySet()
        defer { TemporaryFolder.remove(dataDir) }
        let runs = try TemporaryFolder("tk-engine")
        defer { runs.remove() }
        // 60 images, batches of 8: 7 steps per epoch; 40 steps, evaluated every 10 (iteration-based).
        let length = TrainingLength.steps(40, evalEvery: 10)

        let straightTask = try ToyTableTask(train: set)
        let straightFolder = try RunFolder(path: runs.file("straight"), configYAML: "task: toy\n")
        let straight = try trainer(straightTask, folder: straightFolder, length: length)
        let last = try #require(try straight.run())
        #expect(last.step == 40 && last.train["toy_mean_seen"] != nil && last.eval?.scalars["toy_accuracy"] != nil)

        let folder = try RunFolder(path: runs.file("crashed"), configYAML: "task: toy\n")
        let first = try trainer(try ToyTableTask(train: set), folder: folder, length: length)
        first.hooks.append(CrashAfter(periods: 2))
        #expect(throws: CancellationError.self) { try first.run() }
        let saved = try Checkpoint.read(from: folder.lastCheckpointPath)
        #expect(saved.step == 20 && saved.taskState.map(\.0) == ["seen", "last_loss"])

        let resumedTask = try ToyTableTask(train: set)
        let resumed = try trainer(resumedTask, folder: folder, length: length)
        try resumed.restore(from: saved)
        #expect(resumed.step == 20)
        try resumed.run()

        // Same weights and the same per-sample table as the uninterrupted run.
        let a = straightTask.net.stateDict(), b = resumedTask.net.stateDict()
        try #require(a.count == b.count && !a.isEmpty)
        for ((name, x), (_, y)) in zip(a, b) { #expect(try x.toArray(Float.self) == y.toArray(Float.self), "\(name)") }
        #expect(straightTask.seen == resumedTask.seen && straightTask.lastLoss == resumedTask.lastLoss)

        // The log holds the task's own metrics, and the resumed run's history is the straight one's.
        let periods = try RunLog.periods(in: folder.logPath), straightPeriods = try RunLog.periods(in: straightFolder.logPath)
        try #require(periods.count == 4 && straightPeriods.count == 4)
        #expect(periods.map(\.step) == [10, 20, 30, 40])
        #expect(periods.map { $0.eval?.scalars["toy_accuracy"] } == straightPeriods.map { $0.eval?.scalars["toy_accuracy"] })
        #expect(periods.last?.eval?.vectors["toy_seen"]?.count == set.count)
        let logText = try String(contentsOfFile: folder.logPath, encoding: .utf8)
        #expect(logText.contains("\"toy_mean_seen\"") && logText.contains("\"event\":\"step\""))

        // TensorBoard's own reader sees the task's metrics.
        let json = try PythonTorchRunner.run("""
        import glob, json
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        tags = set()
        for f in glob.glob('\(folder.tensorBoardPath)/events.out.tfevents.*'):
            ea = EventAccumulator(f, size_guidance={'scalars': 0})
            ea.Reload()
            tags |= set(ea.Tags()['scalars'])
        print(json.dumps({'tags': sorted(tags)}))
        """)
        let tags = try #require(json["tags"] as? [String])
        for tag in ["train/toy_mean_seen", "train/loss", "test/toy_accuracy", "test/toy_table_loss", "train_step/toy_mean_seen"] {
            #expect(tags.contains(tag), "TensorBoard lacks \(tag): \(tags)")
        }
    }

    @Test func pairedStreamStepsALabeledAndAnUnlabeledLoaderTogetherFromAnyStep() throws {
        let (set, dataDir) = try tinySet()
        defer { TemporaryFolder.remove(dataDir) }
        let view = try AugmentPipeline.named("none", inputHeight: set.height, inputWidth: set.width)
        func loader(_ images: ImageSet, batch: Int) throws -> DataLoader {
            try DataLoader(shuffling: images, batchSize: batch, dropLast: true, views: [view], normalization: .unit(channels: 1),
                           seed: 5, workers: 1)
        }
        let labeled = set.subset(Array(0..<20)), unlabeled = set.subset(Array(20..<60))
        // 20 labeled images in batches of 4 (5 per epoch), 40 unlabeled in batches of 12 (3 per epoch): mu = 3.
        let stream = try PairedBatchStream(labeled: try loader(labeled, batch: 4), unlabeled: try loader(unlabeled, batch: 12))
        #expect(stream.stepsPerEpoch == 5)
        let all = Array(try stream.batches(fromStep: 0).prefix(12))
        try #require(all.count == 12)
        #expect(all.allSatisfy { $0.labeled.count == 4 && $0.unlabeled.count == 12 })
        #expect(all.map(\.labeled.epoch) == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2])
        #expect(all.map(\.unlabeled.epoch) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
        // Starting at step 7 gives exactly the batches 7, 8, ... of the stream from 0.
        let later = Array(try stream.batches(fromStep: 7).prefix(5))
        try #require(later.count == 5)
        #expect(later.map(\.labeled) == Array(all[7..<12]).map(\.labeled))
        #expect(later.map(\.unlabeled) == Array(all[7..<12]).map(\.unlabeled))
    }

    @Test func stepSchedules() {
        func at(_ step: Int, of total: Int) -> SchedulePosition {
            SchedulePosition(epoch: 0, step: step, stepsPerEpoch: 100, totalSteps: total)
        }
        let fixmatch = FixMatchCosineSchedule(baseLR: 0.03)
        #expect(fixmatch.learningRate(at: at(0, of: 1000)) == 0.03)
        #expect(Swift.abs(fixmatch.learningRate(at: at(1000, of: 1000)) - 0.03 * cos(7 * Double.pi / 16)) < 1e-12)
        let warm = FixMatchCosineSchedule(baseLR: 0.1, warmupSteps: 10, warmupFactor: 0)
        #expect(warm.learningRate(at: at(0, of: 100)) == 0 && Swift.abs(warm.learningRate(at: at(5, of: 100)) - 0.1 * 0.5 * cos(7 * Double.pi * 5 / 1600)) < 1e-12)
        let multi = WarmupMultiStepSchedule(baseLR: 0.1, milestones: [100, 200], gamma: 0.2)
        #expect(multi.learningRate(at: at(99, of: 300)) == 0.1)
        #expect(Swift.abs(multi.learningRate(at: at(100, of: 300)) - 0.02) < 1e-12)
        #expect(Swift.abs(multi.learningRate(at: at(250, of: 300)) - 0.004) < 1e-12)
        #expect(ConstantSchedule(lr: 0.03).learningRate(at: at(77, of: 100)) == 0.03)
        // An epoch schedule holds its value over the epoch's steps.
        let step = StepWarmupSchedule.reference(baseLR: 0.1, epochs: 200)
        #expect(step.learningRate(at: SchedulePosition(epoch: 170, step: 17_055, stepsPerEpoch: 100, totalSteps: 20_000)) == step.learningRate(epoch: 170))
    }

    @Test func nanLossStopsTheRunAndKeepsTheLastCheckpoint() throws {
        let (set, dataDir) = try tinySet()
        defer { TemporaryFolder.remove(dataDir) }
        let runs = try TemporaryFolder("tk-engine-nan")
        defer { runs.remove() }
        let folder = try RunFolder(path: runs.file("run"), configYAML: "task: toy\n")
        let task = try ToyTableTask(train: set)
        task.poisonedStep = 7
        let t = try Trainer(task: task, optimizer: try SGD(task.parameters(), lr: 0.05), schedule: ConstantSchedule(lr: 0.05),
                            length: .steps(20, evalEvery: 5), arch: "toy", configJSON: "{}")
        t.hooks = [folder, RunLog(path: folder.logPath)]
        do {
            try t.run()
            Issue.record("training went on with a non-finite loss")
        } catch let TailKitError.trainingDiverged(message) {
            #expect(message.contains("toy loss became nan") && message.contains("step 8") && message.contains("last good checkpoint"))
        }
        // The weights of step 5 stay on disk, finite, and the log ends there.
        let kept = try Checkpoint.read(from: folder.lastCheckpointPath)
        #expect(kept.step == 5)
        for (name, tensor) in kept.stateDict { #expect(try tensor.toArray(Float.self).allSatisfy(\.isFinite), "\(name)") }
        #expect(try RunLog.periods(in: folder.logPath).map(\.step) == [5])
    }

    /// Non-finite evaluation numbers never crash the run folder: `eval_last.json` holds them as
    /// null (valid JSON); a non-finite evaluation loss (diverged weights) stops the run before the
    /// checkpoints are overwritten.
    @Test func nonFiniteEvaluationIsWrittenAsNullAndANaNLossStopsTheRun() throws {
        let (set, dataDir) = try tinySet()
        defer { TemporaryFolder.remove(dataDir) }
        let runs = try TemporaryFolder("tk-engine-naneval")
        defer { runs.remove() }
        let folder = try RunFolder(path: runs.file("run"), configYAML: "task: toy\n")
        let task = try ToyTableTask(train: set)
        task.nanVectorEvaluations = [1]
        task.nanLossEvaluation = 2
        let t = try Trainer(task: task, optimizer: try SGD(task.parameters(), lr: 0.05), schedule: ConstantSchedule(lr: 0.05),
                            length: .steps(20, evalEvery: 5), arch: "toy", configJSON: "{}")
        t.hooks = [folder, RunLog(path: folder.logPath)]
        do {
            try t.run()
            Issue.record("training went on after a NaN evaluation loss")
        } catch let TailKitError.trainingDiverged(message) {
            #expect(message.contains("test loss became nan") && message.contains("step 10") && message.contains("last good checkpoint"),
                    "\(message)")
        }
        #expect(try Checkpoint.read(from: folder.lastCheckpointPath).step == 5)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(folder.path)/eval_last.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        let vector = try #require((object["vectors"] as? [String: Any])?["toy_per_class"] as? [Any])
        try #require(vector.count == 3)
        #expect(vector[0] is NSNull && vector[1] is NSNull && (vector[2] as? Double) == 1)
        let back = try JSONDecoder().decode(Metrics.self, from: bytes).vectors["toy_per_class"] ?? []
        try #require(back.count == 3)
        #expect(back[0].isNaN && back[1].isNaN && back[2] == 1)
        #expect(try RunLog.periods(in: folder.logPath).map(\.step) == [5])
    }
}
