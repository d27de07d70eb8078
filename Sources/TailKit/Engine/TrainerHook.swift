/// When a hook runs relative to the others; the trainer calls hooks sorted by phase (then in the
/// order given). The log comes before the checkpoint: a crash between the two leaves a logged
/// period past the checkpoint, which the resumed run's `start` event drops (see `RunLog`), where
/// the other order would leave a checkpointed period missing from the log for good.
public enum HookPhase: Int, Comparable, Sendable {
    /// Between backward and the optimizer step (gradient all-reduce in data-parallel training).
    case gradients
    /// Appends to `log.jsonl`, writes TensorBoard events.
    case log
    /// Writes `last.ckpt` / `best.ckpt`.
    case checkpoint
    /// Renders `report.html`.
    case report
    /// Progress on the terminal.
    case console

    public static func < (a: HookPhase, b: HookPhase) -> Bool { a.rawValue < b.rawValue }
}

/// What a run is, as hooks see it when it starts.
public struct RunStart: Sendable {
    public var taskName: String
    /// The global step the run starts from (0, or a checkpoint's).
    public var startStep: Int
    public var totalSteps: Int
    public var stepsPerEpoch: Int
    /// Steps between evaluations: an epoch, or `--eval-every`.
    public var stepsPerPeriod: Int
    public var epochBased: Bool
    public var best: Double?
}

/// One finished optimizer step, with the period's running means so far.
public struct StepEvent: Sendable {
    public var epoch: Int
    /// Steps done since the start of training (1 after the first).
    public var step: Int
    /// Steps done in the current period, and the period's length.
    public var stepInPeriod: Int
    public var stepsPerPeriod: Int
    public var lr: Double
    /// Running sample-weighted means of the period's step metrics (incl. `loss`).
    public var metrics: [String: Double]
    public var imagesPerSecond: Double
}

/// The end of a period (an epoch, or N steps in iteration-based training): its training means
/// and the evaluation made then. One line of `log.jsonl`, one row of the report.
public struct PeriodSummary: Codable, Sendable, Equatable {
    /// The epoch the period ended in (0-based).
    public var epoch: Int
    /// Steps done since the start of training.
    public var step: Int
    /// The learning rate of the period's last step.
    public var lr: Double
    /// Sample-weighted means of the step metrics over the period (incl. `loss`).
    public var train: [String: Double]
    public var imagesPerSecond: Double
    public var eval: Metrics?
    /// The best value of the task's selection metric so far, and whether this period set it.
    public var best: Double?
    public var isBest: Bool
    /// The split `eval` comes from (`TrainingTask.evaluationSplit`); nil in logs written before it
    /// was recorded, which read as "test".
    public var evalSplit: String? = nil

    /// `evalSplit`, "test" when the log predates it.
    public var evalSplitName: String { evalSplit ?? "test" }

    enum CodingKeys: String, CodingKey {
        case epoch, step, lr, train, eval, best
        case imagesPerSecond = "images_per_s", isBest = "is_best", evalSplit = "eval_split"
    }
}

/// Something that watches a run: the run folder, the log, TensorBoard, the report, the console,
/// gradient synchronisation. Every method has an empty default; a hook implements what it needs.
public protocol TrainerHook: AnyObject {
    var phase: HookPhase { get }
    func runStarted(_ run: RunStart) throws
    /// After backward, before the optimizer step.
    func gradientsReady(step: Int) throws
    func stepEnded(_ event: StepEvent) throws
    /// `checkpoint` builds the checkpoint of the state right after this period.
    func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws
    func runEnded() throws
    /// SIGINT/SIGTERM stopped the run after `step`; `checkpoint` builds the checkpoint of that state.
    /// Returns the path of the checkpoint file the hook wrote, if it wrote one.
    func interrupted(step: Int, checkpoint: () throws -> Checkpoint) throws -> String?
}

extension TrainerHook {
    public var phase: HookPhase { .log }
    public func runStarted(_ run: RunStart) throws {}
    public func gradientsReady(step: Int) throws {}
    public func stepEnded(_ event: StepEvent) throws {}
    public func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {}
    public func runEnded() throws {}
    public func interrupted(step: Int, checkpoint: () throws -> Checkpoint) throws -> String? { nil }
}
