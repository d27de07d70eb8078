import TorchNN

/// A new stage of a multi-stage run, as a task hands it to the `Trainer` (`TrainingTask.stageSwitch`):
/// from `startStep` on, the trainer steps `optimizer` (fresh, over the stage's parameters; nil keeps
/// the one it has, as for a run's first stage), restarts
/// the lr schedule's clock (the schedule sees step − `startStep` of `steps`), and, with `newStream`,
/// asks the task for its batches again (`makeStream`, from the same global step).
///
/// CReST's generations (a new model, EMA, optimizer, schedule and labeled set every generation) and
/// cRT's re-training (encoder frozen, classifier re-initialised with its own optimizer) are stages.
///
/// ```swift
/// func stageSwitch(atStep step: Int, resuming: Bool) throws -> StageSwitch? {
///     guard step == 1000, !resuming else { return nil }
///     try net.resetClassifier()
///     return StageSwitch(startStep: 1000, steps: 200, optimizer: try SGD(net.classifier.parameters(), lr: 0.03), newStream: false)
/// }
/// ```
public struct StageSwitch {
    /// The global step the stage starts at (its first step).
    public var startStep: Int
    /// The stage's length in steps (the schedule's `totalSteps`).
    public var steps: Int
    public var optimizer: (any Optimizer)?
    /// Whether the task's data changed (a new labeled set, another sampler).
    public var newStream: Bool

    public init(startStep: Int, steps: Int, optimizer: (any Optimizer)?, newStream: Bool) {
        self.startStep = startStep
        self.steps = steps
        self.optimizer = optimizer
        self.newStream = newStream
    }
}
