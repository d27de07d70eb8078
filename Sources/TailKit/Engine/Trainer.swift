import Foundation
import Torch
import TorchNN

/// How long a run trains and how often it is evaluated.
public enum TrainingLength: Sendable, Equatable {
    /// Epochs of the task's stream; evaluation after each (the reference's train.py).
    case epochs(Int)
    /// Optimizer steps, evaluation every `evalEvery` steps (FixMatch-style methods).
    case steps(Int, evalEvery: Int)
}

/// The one training loop of TailKit. It owns the step loop, the learning-rate schedule, the
/// optimizer, the NaN guard, the evaluation cadence, checkpoint contents and resume; a
/// `TrainingTask` says what a step computes; `TrainerHook`s (run folder, log, TensorBoard,
/// report, console, gradient synchronisation) watch it in a fixed order.
///
/// Per step t (0-based): a new stage if the task starts one at t (`TrainingTask.stageSwitch`: a
/// fresh optimizer, the schedule's clock restarted, perhaps new batches); lr ← schedule(t − stage
/// start); out ← task.step(batch_t); stop if out.loss is not finite; zero grads; backward;
/// hooks.gradientsReady; optimizer.step(); task.afterOptimizerStep().
/// After every period (an epoch, or `evalEvery` steps): task.evaluate() (stop if its loss is not
/// finite, before any hook writes), best-so-far of the task's selection metric, hooks.periodEnded.
///
/// ```swift
/// let trainer = try Trainer(task: task, optimizer: sgd, schedule: schedule, length: .epochs(30),
///                           arch: "resnet32", configJSON: try config.json())
/// trainer.hooks = [try RunFolderHook(...), RunLogHook(...), ConsoleProgress()]
/// try trainer.run()
/// ```
public final class Trainer<Task: TrainingTask> {
    public let task: Task
    /// The current stage's optimizer (the run's, until a task's `StageSwitch` replaces it).
    public private(set) var optimizer: any Optimizer
    public let schedule: any LRSchedule
    public let length: TrainingLength
    public var hooks: [TrainerHook] = []
    /// What the checkpoint's `arch` and `config` say.
    public let arch: String
    public let configJSON: String
    /// What the checkpoint records about the model's input (class names, normalisation, size).
    public var modelInput: ModelInput?
    /// Steps done so far.
    public private(set) var step = 0
    /// Best value of `task.selectionMetric` so far.
    public private(set) var best: Double?
    /// The last period's summary.
    public private(set) var lastSummary: PeriodSummary?
    /// The precision of the task's forward passes (its steps and evaluations); the backward pass,
    /// the optimizer and the checkpoint stay float32.
    public let precision: Precision
    /// The device the autocast region covers.
    public let device: Device
    /// fp16's dynamic loss scale (nil otherwise).
    public let scaler: GradScaler?
    /// When set, a SIGINT/SIGTERM it received stops the run after the current step: hooks write a
    /// checkpoint (`TrainerHook.interrupted`), then `run()` throws `TailKitError.interrupted`.
    public var stopSignal: StopSignal?
    private var stream: any BatchStream<Task.Input>
    /// The current stage's first step and length: the schedule's clock (the whole run until a switch).
    public private(set) var stageStart = 0
    private var stageSteps: Int?
    /// Whether the task has said which stage the run is in (at the start, or on restore).
    private var stageKnown = false

    public init(task: Task, optimizer: any Optimizer, schedule: any LRSchedule, length: TrainingLength,
                arch: String, configJSON: String, precision: Precision = .fp32, device: Device = .cpu) throws {
        try precision.check(device: device)
        self.precision = precision
        self.device = device
        scaler = precision == .fp16 ? try GradScaler(device: device) : nil
        self.task = task
        self.optimizer = optimizer
        self.schedule = schedule
        self.length = length
        self.arch = arch
        self.configJSON = configJSON
        stream = try task.makeStream()
        if case .steps(let n, let every) = length, n < 1 || every < 1 {
            throw TailKitError.invalidOption("iteration-based training needs positive steps and evaluation interval, got \(n) and \(every)")
        }
        if case .epochs(let e) = length, e < 0 { throw TailKitError.invalidOption("--epochs \(e) must not be negative") }
    }

    public var stepsPerEpoch: Int { stream.stepsPerEpoch }

    public var totalSteps: Int {
        switch length {
        case .epochs(let e): return e * stream.stepsPerEpoch
        case .steps(let n, _): return n
        }
    }

    public var stepsPerPeriod: Int {
        switch length {
        case .epochs: return stream.stepsPerEpoch
        case .steps(_, let every): return every
        }
    }

    /// Epochs finished (the reference's checkpoint `epoch`).
    public var epochsDone: Int { step / stream.stepsPerEpoch }

    /// Trains from `step` to the end; returns the last period's summary (nil when nothing was left).
    @discardableResult
    public func run() throws -> PeriodSummary? {
        let ordered = hooks.enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }.map(\.element)
        guard step < totalSteps else { return nil }
        let epochBased: Bool = { if case .epochs = length { return true } else { return false } }()
        for h in ordered {
            try h.runStarted(RunStart(taskName: task.name, startStep: step, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch,
                                      stepsPerPeriod: stepsPerPeriod, epochBased: epochBased, best: best))
        }
        if !stageKnown, let stage = try task.stageSwitch(atStep: step, resuming: true) { try adopt(stage) }
        stageKnown = true
        var batches = try stream.batches(fromStep: step)
        var meter = MetricMeter()
        var startedEpoch: Int?
        while step < totalSteps {
            if let stage = try task.stageSwitch(atStep: step, resuming: false) {
                try adopt(stage)
                if stage.newStream { batches = try stream.batches(fromStep: step) }
            }
            let position = SchedulePosition(epoch: step / stepsPerEpoch, step: step, stepsPerEpoch: stepsPerEpoch, totalSteps: totalSteps)
            if startedEpoch != position.epoch {
                try task.epochStarted(position.epoch)
                startedEpoch = position.epoch
            }
            let clock = SchedulePosition(epoch: position.epoch, step: step - stageStart, stepsPerEpoch: stepsPerEpoch,
                                         totalSteps: stageSteps ?? totalSteps)
            let lr = schedule.learningRate(at: clock)
            optimizer.learningRate = lr
            guard let input = batches.next() else {
                if let reason = stream.endReason { throw reason }
                throw TailKitError.invalidOption("the \(task.name) data stream ended at step \(step + 1) of \(totalSteps)")
            }
            try trainStep(input, at: position, meter: &meter)
            step += 1
            let inPeriod = (step - 1) % stepsPerPeriod + 1
            let event = StepEvent(epoch: position.epoch, step: step, stepInPeriod: inPeriod, stepsPerPeriod: stepsPerPeriod, lr: lr,
                                  metrics: meter.means, imagesPerSecond: meter.imagesPerSecond)
            for h in ordered { try h.stepEnded(event) }
            if step % stepsPerPeriod == 0 || step == totalSteps {
                try endPeriod(epoch: position.epoch, lr: lr, meter: meter, hooks: ordered)
                meter.reset()
            }
            if let number = stopSignal?.signal, step < totalSteps { try stop(signal: number, hooks: ordered) }
        }
        for h in ordered { try h.runEnded() }
        return lastSummary
    }

    /// Takes a task's new stage: its optimizer, its schedule clock and, when its data changed, its stream.
    private func adopt(_ stage: StageSwitch) throws {
        if let fresh = stage.optimizer { optimizer = fresh }
        stageStart = stage.startStep
        stageSteps = stage.steps
        if stage.newStream { stream = try task.makeStream() }
    }

    /// Checkpoints the state after the finished step through the hooks, then ends the run.
    private func stop(signal: Int32, hooks ordered: [TrainerHook]) throws {
        var written: String?
        for h in ordered {
            if let path = try h.interrupted(step: step, checkpoint: checkpoint) { written = path }
        }
        throw TailKitError.interrupted(signal: signal, step: step, totalSteps: totalSteps, checkpoint: written)
    }

    /// One step: the task's forward pass and loss under autocast when the precision asks for it,
    /// backward (of the scaled loss for fp16) outside it, then the optimizer step, which fp16 skips
    /// when a gradient overflowed (the scale then backs off, `skipped_steps` counts it).
    private func trainStep(_ input: Task.Input, at position: SchedulePosition, meter: inout MetricMeter) throws {
        let out = try precision.autocast(device: device) { try task.step(input, at: position) }
        let loss = try out.loss.item()
        guard loss.isFinite else {
            throw TailKitError.trainingDiverged(
                "\(task.name) loss became \(loss) at epoch \(position.epoch + 1), step \(position.step + 1): training stopped; the last good checkpoint is kept (try a lower --lr)")
        }
        optimizer.zeroGrad()
        var stepped = true
        if let scaler {
            try (out.loss * scaler.scale).backward()
            stepped = try scaler.unscale(task.parameters())
        } else {
            try out.loss.backward()
        }
        for h in hooks where h.phase == .gradients { try h.gradientsReady(step: position.step) }
        if stepped { try optimizer.step() }
        try scaler?.update()
        try task.afterOptimizerStep()
        var metrics = out.metrics
        metrics["loss"] = loss
        if let scaler {
            metrics["loss_scale"] = scaler.scale
            metrics["skipped_steps"] = Double(scaler.skippedSteps)
        }
        meter.add(metrics, count: out.count)
    }

    private func endPeriod(epoch: Int, lr: Double, meter: MetricMeter, hooks ordered: [TrainerHook]) throws {
        let eval = try precision.autocast(device: device) { try task.evaluate() }
        try checkFinite(eval, epoch: epoch)
        var isBest = false
        if let name = task.selectionMetric, let value = eval?.scalars[name] {
            isBest = best.map { value >= $0 } ?? true
            best = max(best ?? value, value)
        }
        let summary = PeriodSummary(epoch: epoch, step: step, lr: lr, train: meter.means, imagesPerSecond: meter.imagesPerSecond,
                                    eval: eval, best: best, isBest: isBest, evalSplit: eval == nil ? nil : task.evaluationSplit)
        lastSummary = summary
        for h in ordered { try h.periodEnded(summary, checkpoint: checkpoint) }
    }

    /// A non-finite evaluation loss means the weights themselves diverged (an optimizer step blew
    /// them up after the last finite training loss): the run stops before any hook writes, so
    /// `last.ckpt` and `best.ckpt` stay those of the last good period.
    private func checkFinite(_ eval: Metrics?, epoch: Int) throws {
        guard let eval, let loss = eval.scalars["loss"], !loss.isFinite else { return }
        let split = task.evaluationSplit
        throw TailKitError.trainingDiverged(
            "\(task.name) \(split) loss became \(loss) at the evaluation after epoch \(epoch + 1), step \(step): the weights diverged; training stopped, the last good checkpoint is kept (try a lower --lr)")
    }

    /// The checkpoint of the current state: the task's weights and state, the optimizer's state,
    /// the step and the best value so far.
    public func checkpoint() throws -> Checkpoint {
        Checkpoint(epoch: epochsDone, step: step, arch: arch, bestTop1: best ?? 0, stateDict: try task.savedStateDict(),
                   optimizerState: optimizer.stateTensors(), taskState: try task.stateTensors(), configJSON: configJSON,
                   classCounts: task.classCounts, modelInput: modelInput)
    }

    /// Continues from a checkpoint of the same configuration (weights, optimizer state, task state,
    /// step, best). Batches depend only on (seed, step), so the run retraces the uninterrupted one.
    /// In a multi-stage run the task names the stage it was in, whose optimizer takes the saved state.
    public func restore(from checkpoint: Checkpoint) throws {
        try task.restore(stateDict: checkpoint.stateDict, taskState: checkpoint.taskState)
        step = checkpoint.step ?? checkpoint.epoch * stepsPerEpoch
        if let stage = try task.stageSwitch(atStep: step, resuming: true) { try adopt(stage) }
        stageKnown = true
        try optimizer.loadStateTensors(checkpoint.optimizerState)
        best = task.selectionMetric == nil ? nil : checkpoint.bestTop1
    }
}
