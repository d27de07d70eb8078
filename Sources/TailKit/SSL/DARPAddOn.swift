import Torch

/// DARP as an add-on to a base that makes soft pseudo-labels from a weak view (FixMatch; ytaek-oh/daso
/// `lib/algorithm/darp_reproduce.py`, `ALGORITHM.DARP`). It keeps the latest soft pseudo-label of every
/// unlabeled image (a table, uniform at first). Counting calls from 1, call s stores the batch's rows; while
/// s ≤ int(`warmupRatio` · steps) the pseudo-labels pass unchanged; afterwards every `period`-th call
/// refines the whole table with `DARPSolver` towards the target unlabeled counts and returns the batch's
/// refined rows, and the other calls return the rows of the last refinement.
///
/// The target counts (`SSLData.darpTarget`): the unlabeled split's count rule when it has the labeled
/// distribution (γ_u = γ_l, not reversed), else a shipped estimate (`--darp-estimate`, `DARPEstimateFile`),
/// else DARP_ESTIM's rule (`lib/algorithm/darp_estim.py`): an `UnlabeledDistributionEstimate` made with
/// the evaluated model at every evaluation of the warm-up and once more at its end (on the validation
/// split and the unlabeled images), and the target is the mean of the accepted ones (no negative count,
/// condition number below 100); when none was accepted, the last estimate's uncorrected predicted
/// counts. Each is scaled to the unlabeled total. DASO runs DARP_ESTIM as a separate supervised run;
/// here the estimates come from the SSL run's own evaluated model during DARP's warm-up.
///
/// ```swift
/// let darp = DARPAddOn(config: DARPConfig(), unlabeledCount: 7443, classes: 10, steps: 250_000, target: counts)
/// ```
public final class DARPAddOn: ImbalanceAddOn {
    public let kind = ImbalanceAddOnKind.darp
    public let requirements: Set<SSLCapability> = [.labeledLogits, .pseudoLabels]
    public let config: DARPConfig
    public let classes: Int
    public let unlabeledCount: Int
    /// The target unlabeled class counts; nil until estimated.
    public private(set) var target: [Double]?
    private var table: [Float]
    private var refined: [Float]
    private var calls = 0
    private let warmupCalls: Int
    /// Σ and number of the accepted estimates so far, and the call count of the last estimate taken
    /// (an evaluation and the warm-up's end at the same call give one estimate, not two).
    private var acceptedSum: [Double]
    private var acceptedCount = 0
    private var estimatedAtCall = -1
    /// Where the target came from, for the log: "given", "mean of 3 accepted estimates", ...
    public private(set) var targetSource: String
    /// Whether the target is estimated in the run (none was given).
    private let estimatesTarget: Bool

    public init(config: DARPConfig, unlabeledCount: Int, classes: Int, steps: Int, target: [Double]?) {
        self.config = config
        self.classes = classes
        self.unlabeledCount = unlabeledCount
        self.target = target
        table = [Float](repeating: 1 / Float(classes), count: unlabeledCount * classes)
        refined = table
        warmupCalls = Int(Double(steps) * config.warmupRatio)
        acceptedSum = [Double](repeating: 0, count: classes)
        targetSource = target == nil ? "not yet estimated" : "given"
        estimatesTarget = target == nil
    }

    /// While the target is unknown, every evaluation estimates the unlabeled counts for it.
    public var collectsUnlabeledEstimates: Bool { target == nil }

    /// Whether the next call needs the target it does not have yet (the task then estimates it).
    public var wantsUnlabeledEstimate: Bool { target == nil && calls + 1 > warmupCalls }

    /// The target counts as a distribution (ReMixMatch aligns its guesses to it).
    public var alignmentTarget: [Double]? {
        guard let target else { return nil }
        let total = target.reduce(0, +)
        return total > 0 ? target.map { $0 / total } : nil
    }

    /// Keeps `estimate` when accepted; at the end of the warm-up sets the target: the mean of the accepted
    /// estimates, or `estimate`'s predicted counts when none was accepted, scaled to the unlabeled total.
    public func takeUnlabeledEstimate(_ estimate: UnlabeledDistributionEstimate) throws {
        guard estimate.counts.count == classes, estimate.predicted.count == classes else {
            throw TailKitError.invalidOption("DARP: an estimate of \(estimate.counts.count) classes for \(classes) classes")
        }
        if estimatedAtCall != calls && estimate.accepted {
            for k in 0..<classes { acceptedSum[k] += estimate.counts[k] }
            acceptedCount += 1
        }
        estimatedAtCall = calls
        guard calls + 1 > warmupCalls else { return }
        let counts = acceptedCount > 0 ? acceptedSum.map { $0 / Double(acceptedCount) } : estimate.predicted
        let total = counts.reduce(0, +)
        guard total > 0 else { throw TailKitError.invalidOption("DARP: the estimated unlabeled counts sum to \(total)") }
        target = counts.map { Double(unlabeledCount) * $0 / total }
        targetSource = acceptedCount > 0 ? "mean of \(acceptedCount) accepted estimate\(acceptedCount == 1 ? "" : "s")"
            : "no estimate accepted: the model's predicted counts"
    }

    /// The number of accepted estimates (logged with each evaluation when DARP estimates its target).
    public func evaluationMetrics() -> [String: Double] {
        estimatesTarget ? ["darp_estimates_accepted": Double(acceptedCount)] : [:]
    }

    public func pseudoLabels(_ p: Tensor, forward: SSLForward) throws -> Tensor {
        let indices = forward.unlabeledIndices
        let rows = try p.to(.float32).contiguous().toArray(Float.self)
        guard indices.count * classes == rows.count else {
            throw TailKitError.invalidOption("DARP: \(indices.count) unlabeled indices for pseudo-labels of \(rows.count / max(1, classes)) images")
        }
        calls += 1
        for (i, n) in indices.enumerated() { table.replaceSubrange((n * classes)..<((n + 1) * classes), with: rows[(i * classes)..<((i + 1) * classes)]) }
        guard calls > warmupCalls else { return p }
        if calls % config.period == 0 {
            guard let target else { throw TailKitError.invalidOption("DARP has no target distribution at call \(calls)") }
            let solver = DARPSolver(alpha: config.alpha, iterations: config.iterations)
            refined = solver.refine(table, rows: unlabeledCount, classes: classes, target: target).map { Float($0) }
        }
        let out = indices.flatMap { n in refined[(n * classes)..<((n + 1) * classes)] }
        return try Tensor(out, shape: [indices.count, classes]).to(device: p.device)
    }

    public func stateTensors() throws -> [(String, Tensor)] {
        var state = [("darp.table", try Tensor(table, shape: [unlabeledCount, classes])),
                     ("darp.refined", try Tensor(refined, shape: [unlabeledCount, classes])),
                     ("darp.calls", try Tensor([Int64(calls)]))]
        if let target { state.append(("darp.target", try Tensor(target))) }
        state.append(("darp.estimates", try Tensor(acceptedSum + [Double(acceptedCount), Double(estimatedAtCall)])))
        return state
    }

    public func restore(_ state: [(String, Tensor)]) throws {
        let t = try stateTensor(state, "darp.table"), r = try stateTensor(state, "darp.refined")
        guard t.shape == [unlabeledCount, classes], r.shape == t.shape else {
            throw TailKitError.invalidOption("the checkpoint's DARP table is \(t.shape); this run needs [\(unlabeledCount), \(classes)]")
        }
        table = try t.toArray(Float.self)
        refined = try r.toArray(Float.self)
        calls = try stateTensor(state, "darp.calls").itemInt()
        target = try state.first { $0.0 == "darp.target" }.map { try $0.1.toArray(Double.self) }
        // Checkpoints written before the estimates were averaged have none.
        if let saved = try state.first(where: { $0.0 == "darp.estimates" })?.1.toArray(Double.self) {
            guard saved.count == classes + 2 else {
                throw TailKitError.invalidOption("the checkpoint's DARP estimates hold \(saved.count) numbers; this run needs \(classes + 2)")
            }
            acceptedSum = Array(saved[0..<classes])
            acceptedCount = Int(saved[classes])
            estimatedAtCall = Int(saved[classes + 1])
        }
        if target != nil && targetSource == "not yet estimated" { targetSource = "from the checkpoint" }
    }
}

/// DARP's settings (`ALGORITHM.DARP.*`) with the reference's defaults.
public struct DARPConfig: Codable, Equatable, Sendable {
    /// Share of the steps before DARP refines (WARMUP_RATIO 0.4).
    public var warmupRatio = 0.4
    /// Calls between refinements (PER_ITERS 10).
    public var period = 10
    /// Marked rows per class, as a multiple of its target count (ALPHA 2).
    public var alpha = 2.0
    /// Row/column rounds of the solver (NUM_DARP_ITERS 10).
    public var iterations = 10

    public init() {}

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TailKitError.invalidOption(message) } }
        try check(warmupRatio >= 0 && warmupRatio < 1, "--darp-warmup \(warmupRatio) must be in [0, 1)")
        try check(period >= 1, "--darp-period \(period) must be positive")
        try check(alpha > 0 && alpha.isFinite, "--darp-alpha \(alpha) must be positive")
        try check(iterations >= 1, "--darp-iterations \(iterations) must be positive")
    }
}
