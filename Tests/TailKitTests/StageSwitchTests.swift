import Foundation
import Testing
@testable import TailKit
import TailData
import Torch
import TorchNN

/// A two-stage task defined outside the library: stage 0 (steps 0..<4) trains `first`, stage 1 (steps
/// 4..<6) trains `second` with a fresh optimizer, its own schedule clock and a new stream. That it
/// switches at step 4, the schedule restarts, `first` stops changing, and a resume from a checkpoint
/// inside stage 1 ends where the uninterrupted run does, is the proof the engine's mechanism works
/// for any task.
private final class TwoStageTask: TrainingTask {
    let name = "two-stage"
    let first: Linear, second: Linear
    var stage = 0
    var streamsMade = 0

    init() throws {
        Torch.manualSeed(5)
        first = try Linear(1, 1)
        second = try Linear(1, 1)
    }

    func parameters() -> [Tensor] { stage == 0 ? first.parameters() : second.parameters() }

    func makeStream() throws -> any BatchStream<Int> {
        streamsMade += 1
        return StepNumbers()
    }

    func step(_ input: Int, at position: SchedulePosition) throws -> StepOutput {
        let x = try Tensor([Float(1 + input % 3)]).reshape([1, 1])
        let net = stage == 0 ? first : second
        return StepOutput(loss: try (try net(x) - 2.0).pow(2).mean(), count: 1)
    }

    func stageSwitch(atStep step: Int, resuming: Bool) throws -> StageSwitch? {
        if !resuming {
            guard step == 4, stage == 0 else { return nil }
            stage = 1
        }
        return stage == 0 ? StageSwitch(startStep: 0, steps: 4, optimizer: nil, newStream: false)
            : StageSwitch(startStep: 4, steps: 2, optimizer: try SGD(parameters(), lr: 0.1, momentum: 0.9), newStream: true)
    }

    func savedStateDict() throws -> [(String, Tensor)] {
        first.stateDict().map { ("first.\($0.0)", $0.1) } + second.stateDict().map { ("second.\($0.0)", $0.1) }
    }

    func stateTensors() throws -> [(String, Tensor)] { [("stage", try Tensor([Int64(stage)]))] }

    func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
        stage = try stateTensor(taskState, "stage").toArray(Int.self).first ?? 0
        try first.loadStateDict(stateDict.filter { $0.0.hasPrefix("first.") }.map { (String($0.0.dropFirst(6)), $0.1) })
        try second.loadStateDict(stateDict.filter { $0.0.hasPrefix("second.") }.map { (String($0.0.dropFirst(7)), $0.1) })
    }
}

/// Step s's input is s.
private struct StepNumbers: BatchStream {
    let stepsPerEpoch = 100
    func batches(fromStep step: Int) throws -> AnyIterator<Int> {
        var s = step
        return AnyIterator { defer { s += 1 }; return s }
    }
}

/// The positions the trainer asked the schedule for.
private final class RecordingSchedule: LRSchedule, @unchecked Sendable {
    var seen: [(step: Int, total: Int)] = []
    func learningRate(at position: SchedulePosition) -> Double {
        seen.append((position.step, position.totalSteps))
        return 0.1
    }
}

/// Keeps the checkpoint of every period end (copies: a checkpoint's tensors are the live ones).
private final class KeepCheckpoints: TrainerHook {
    var byStep: [Int: Checkpoint] = [:]
    func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        var kept = try checkpoint()
        kept.stateDict = try kept.stateDict.map { ($0.0, try $0.1.clone()) }
        kept.optimizerState = try kept.optimizerState.map { ($0.0, try $0.1.clone()) }
        byStep[summary.step] = kept
    }
}

@Suite struct StageSwitchTests {
    private func weights(_ net: Linear) throws -> [Double] {
        try net.parameters().flatMap { try $0.to(.float64).flatten(start: 0).toArray(Double.self) }
    }

    @Test func theTrainerSwitchesOptimizerScheduleClockAndStreamAtTheTasksStage() throws {
        let task = try TwoStageTask()
        let schedule = RecordingSchedule()
        let initial = try SGD(task.parameters(), lr: 0.1, momentum: 0.9)
        let trainer = try Trainer(task: task, optimizer: initial, schedule: schedule, length: .steps(6, evalEvery: 1),
                                  arch: "toy", configJSON: "{}")
        let keep = KeepCheckpoints()
        var firstAt: [Int: [Double]] = [:], secondAt: [Int: [Double]] = [:]
        final class Watch: TrainerHook {
            let body: (Int) throws -> Void
            init(_ body: @escaping (Int) throws -> Void) { self.body = body }
            func stepEnded(_ event: StepEvent) throws { try body(event.step) }
        }
        trainer.hooks = [keep, Watch { [self] s in firstAt[s] = try weights(task.first); secondAt[s] = try weights(task.second) }]
        try trainer.run()

        try #require(schedule.seen.count == 6)
        #expect(schedule.seen.map(\.step) == [0, 1, 2, 3, 0, 1])
        #expect(schedule.seen.map(\.total) == [4, 4, 4, 4, 2, 2])
        #expect(trainer.optimizer !== initial, "stage 1 should step its own optimizer")
        #expect(trainer.stageStart == 4)
        #expect(task.streamsMade == 2)
        // Stage 0 trains only `first`, stage 1 only `second`.
        #expect(firstAt[1] != firstAt[4] && firstAt[4] == firstAt[6])
        #expect(secondAt[1] == secondAt[4] && secondAt[4] != secondAt[6])

        // Resumed from the checkpoint after step 5 (inside stage 1): same end as the straight run.
        let saved = try #require(keep.byStep[5])
        #expect(!saved.optimizerState.isEmpty, "stage 1's momentum should be in the checkpoint")
        let again = try TwoStageTask()
        let resumed = try Trainer(task: again, optimizer: try SGD(again.parameters(), lr: 0.1, momentum: 0.9), schedule: RecordingSchedule(),
                                  length: .steps(6, evalEvery: 1), arch: "toy", configJSON: "{}")
        try resumed.restore(from: saved)
        #expect(resumed.stageStart == 4 && again.stage == 1)
        try resumed.run()
        #expect(try weights(again.second) == weights(task.second))
        #expect(try weights(again.first) == weights(task.first))
    }
}
