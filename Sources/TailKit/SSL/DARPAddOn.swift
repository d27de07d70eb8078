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
/// else the estimate of `UnlabeledDistributionEstimate` made with the model being evaluated at the end of
/// the warm-up (on the validation split and the unlabeled images; DASO runs DARP_ESTIM, a separate
/// supervised run, for this), each scaled to the unlabeled total.
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

    public init(config: DARPConfig, unlabeledCount: Int, classes: Int, steps: Int, target: [Double]?) {
        self.config = config
        self.classes = classes
        self.unlabeledCount = unlabeledCount
        self.target = target
        table = [Float](repeating: 1 / Float(classes), count: unlabeledCount * classes)
        refined = table
        warmupCalls = Int(Double(steps) * config.warmupRatio)
    }

    /// Whether the next call needs the target it does not have yet (the task then estimates it).
    public var wantsUnlabeledEstimate: Bool { target == nil && calls + 1 > warmupCalls }

    /// The target counts as a distribution (ReMixMatch aligns its guesses to it).
    public var alignmentTarget: [Double]? {
        guard let target else { return nil }
        let total = target.reduce(0, +)
        return total > 0 ? target.map { $0 / total } : nil
    }

    /// The estimated counts, scaled to the unlabeled total.
    public func takeUnlabeledEstimate(_ counts: [Double]) throws {
        let total = counts.reduce(0, +)
        guard counts.count == classes, total > 0 else {
            throw TailKitError.invalidOption("DARP: an estimate of \(counts.count) classes summing to \(total) for \(classes) classes")
        }
        target = counts.map { Double(unlabeledCount) * $0 / total }
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
