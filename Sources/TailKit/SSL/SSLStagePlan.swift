/// How a semi-supervised run is cut into stages (`StageSwitch`): one stage for most add-ons; CReST's
/// G = `steps` / `crest-gen-steps` generations of equal length; cRT's base training (`steps`) then
/// the classifier re-training (`crt-steps`). Stage k covers steps [start_k, start_k + steps_k).
///
/// ```swift
/// let plan = SSLStagePlan.crest(generationSteps: 100, generations: 3)
/// plan.stage(forStep: 250)        // 2
/// plan.bounds(ofStage: 2)         // (start: 200, steps: 100)
/// ```
public enum SSLStagePlan: Equatable, Sendable {
    case crest(generationSteps: Int, generations: Int)
    case crt(baseSteps: Int, retrainingSteps: Int)

    /// The plan of a run's settings; nil for a one-stage add-on.
    public init?(_ ssl: SSLConfig) {
        switch ssl.imbalance {
        case .crest: self = .crest(generationSteps: ssl.crest.generationSteps, generations: ssl.crest.generations(steps: ssl.steps))
        case .crt: self = .crt(baseSteps: ssl.steps, retrainingSteps: ssl.retrainingSteps)
        default: return nil
        }
    }

    /// The stage (0-based) global step `step` belongs to.
    public func stage(forStep step: Int) -> Int {
        switch self {
        case .crest(let length, let generations): return min(step / length, generations - 1)
        case .crt(let base, _): return step >= base ? 1 : 0
        }
    }

    /// Stage k's first step and length.
    public func bounds(ofStage k: Int) -> (start: Int, steps: Int) {
        switch self {
        case .crest(let length, _): return (k * length, length)
        case .crt(let base, let retraining): return k == 0 ? (0, base) : (base, retraining)
        }
    }
}
