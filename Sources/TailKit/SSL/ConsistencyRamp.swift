/// The linear ramp-up of the consistency weight (spec §4; DASO's `cons_rampup_func`), restarted every
/// `period` steps when the run is cut into CReST generations:
///
///     r(t) = min(t' / R, 1),   t' = t mod P (t without CReST),   R = `ramp-ratio` · P
///
/// with P the generation's length `crest-gen-steps` under CReST (`lib/algorithm/rm_crest.py`:
/// `rampup_iter = gen_period_steps · ratio`, `current = iter % gen_period_steps`), else the run's
/// `steps`. r is 1 when R is 0. It depends only on the global step, so a resumed run ramps as the
/// uninterrupted one.
///
/// ```swift
/// let ramp = ConsistencyRamp(steps: 40, period: 100)   // CReST: 100-step generations, ratio 0.4
/// ramp.value(at: 120)                                  // 0.5: step 20 of generation 2
/// ```
public struct ConsistencyRamp: Equatable, Sendable {
    /// R, the steps to reach 1.
    public let steps: Int
    /// P, the steps after which it restarts at 0; nil for never.
    public let period: Int?

    public init(steps: Int, period: Int? = nil) {
        self.steps = steps
        self.period = period
    }

    /// The ramp of a run's settings: over `ramp-ratio` of each CReST generation with `crest`, else of
    /// the run.
    public init(config: SSLConfig) {
        let period = config.imbalance == .crest ? max(1, config.crest.generationSteps) : nil
        self.init(steps: Int(Double(period ?? config.steps) * config.rampRatio), period: period)
    }

    /// r(t) at the 0-based global step t.
    public func value(at step: Int) -> Double {
        let t = period.map { step % $0 } ?? step
        return steps <= 0 ? 1 : min(Double(t) / Double(steps), 1)
    }
}
