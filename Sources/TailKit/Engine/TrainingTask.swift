import Torch
import TorchNN

/// What one optimizer step of a task computed: the loss to minimise, how many samples it saw,
/// and any named numbers worth logging (the trainer adds `loss` itself).
public struct StepOutput {
    public var loss: Tensor
    public var count: Int
    public var metrics: [String: Double]

    public init(loss: Tensor, count: Int, metrics: [String: Double] = [:]) {
        self.loss = loss
        self.count = count
        self.metrics = metrics
    }
}

/// One training algorithm, as the `Trainer` runs it: what it computes from a batch, how it is
/// evaluated, and the state it owns. The trainer owns everything else (the step loop, the
/// learning rate, the optimizer step, the NaN guard, checkpoints, resume, hooks), so a new
/// method is one type conforming to this protocol.
///
/// Per step the trainer sets the lr, calls `step`, checks the loss is finite, back-propagates,
/// steps the optimizer and calls `afterOptimizerStep`. At each period end (an epoch, or every N
/// steps) it calls `evaluate`. A checkpoint holds `savedStateDict()` as its `state_dict` and
/// `stateTensors()` as its `task_state`; `restore` takes both back for an exact resume. A run in
/// stages (a new optimizer, schedule clock or data mid-run) says so through `stageSwitch`.
///
/// ```swift
/// final class MeanSquare: TrainingTask {
///     let name = "toy"
///     let net = try Linear(4, 1)
///     func parameters() -> [Tensor] { net.parameters() }
///     func makeStream() throws -> any BatchStream<Batch> { DataLoaderStream(loader) }
///     func step(_ batch: Batch, at position: SchedulePosition) throws -> StepOutput {
///         let x = try batch.views[0].tensor()
///         return StepOutput(loss: try net(x).pow(2).mean(), count: batch.count)
///     }
///     func savedStateDict() throws -> [(String, Tensor)] { net.stateDict() }
///     func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws {
///         try net.loadStateDict(stateDict)
///     }
/// }
/// ```
public protocol TrainingTask: AnyObject {
    /// What one step consumes: a `Batch`, or a labeled and an unlabeled batch together.
    associatedtype Input

    /// Short name for logs and checkpoints ("supervised", "rotation", "moco").
    var name: String { get }
    /// Per-class training counts (for shot groups and the checkpoint's `class_counts`).
    var classCounts: [Int] { get }
    /// The name of the evaluation scalar that picks the best checkpoint ("top1"), or nil.
    var selectionMetric: String? { get }

    /// The tensors the optimizer updates.
    func parameters() -> [Tensor]
    /// The run's batches, by global step.
    func makeStream() throws -> any BatchStream<Input>
    /// Called when a (data) epoch starts, e.g. to switch DRW's class weights on.
    func epochStarted(_ epoch: Int) throws
    /// The loss of one batch; the trainer does backward and the optimizer step.
    func step(_ input: Input, at position: SchedulePosition) throws -> StepOutput
    /// After the optimizer step: momentum encoders, queues, EMA weights.
    func afterOptimizerStep() throws
    /// Metrics of the current weights on held-out data, or nil when the task has none.
    func evaluate() throws -> Metrics?
    /// The split `evaluate()` scores ("test", or "val" when a val list picks the best epoch and a
    /// test list gives the final number): console, log, TensorBoard and report label its numbers so.
    var evaluationSplit: String { get }

    /// The weights a checkpoint's `state_dict` holds (what other programs load).
    func savedStateDict() throws -> [(String, Tensor)]
    /// The task's own state beyond the model: queues, tables, counters (as tensors).
    func stateTensors() throws -> [(String, Tensor)]
    /// Puts back what `savedStateDict` and `stateTensors` saved.
    func restore(stateDict: [(String, Tensor)], taskState: [(String, Tensor)]) throws
    /// Multi-stage runs (see `StageSwitch`). The trainer calls it before every step with
    /// `resuming == false`: a task whose next stage starts at `step` does the switch's work (new
    /// weights, new data) and returns the stage; nil carries on. When the run starts, or right after
    /// `restore`, it calls it once with `resuming == true`: the task describes the stage it is in
    /// without doing any work (the first stage with a nil optimizer, or nil for a one-stage task),
    /// so the schedule's clock is right and the checkpoint's optimizer state goes into that stage's
    /// optimizer. Whatever the stage needs (its number, its data) belongs in `stateTensors`.
    func stageSwitch(atStep step: Int, resuming: Bool) throws -> StageSwitch?
}

extension TrainingTask {
    public var classCounts: [Int] { [] }
    public var selectionMetric: String? { nil }
    public func epochStarted(_ epoch: Int) throws {}
    public func afterOptimizerStep() throws {}
    public func evaluate() throws -> Metrics? { nil }
    public var evaluationSplit: String { "test" }
    public func stateTensors() throws -> [(String, Tensor)] { [] }
    public func stageSwitch(atStep step: Int, resuming: Bool) throws -> StageSwitch? { nil }
}
