import TorchNN

/// DASO's supervised baseline schedule (`configs/*/supervised.yaml`: lr 0.1, `WarmupMultiStepLR` with
/// `WARMUP_ITERS` 6250, `STEPS` (199999, 225000), `GAMMA` 0.01 over `MAX_ITER` 250,000; spec §4.1, §5.1),
/// scaled to a run of `steps` iterations by the same fractions (integer division, so 250,000 steps give the
/// reference's numbers exactly):
///
///     warm-up  W  = steps · 6250 / 250000
///     milestones  = steps · 199999 / 250000, steps · 225000 / 250000
///     lr(t) = base · warm(t) · 0.01^{#milestones ≤ t},  warm(t) = t / W for t < W (from 0), else 1
///
/// ```swift
/// let s = SupervisedMultiStepRecipe.schedule(baseLR: 0.1, steps: 1000)   // warm-up 25, ×0.01 at 799 and 900
/// ```
public enum SupervisedMultiStepRecipe {
    /// The reference run's length the fractions are of.
    public static let referenceSteps = 250_000
    public static let referenceWarmup = 6250
    public static let referenceMilestones = [199_999, 225_000]
    public static let gamma = 0.01
    /// DASO's supervised learning rate (`SOLVER.BASE_LR` 0.1 in `supervised.yaml`).
    public static let baseLR = 0.1

    public static func schedule(baseLR: Double, steps: Int) -> WarmupMultiStepSchedule {
        let scale = { (n: Int) in steps * n / referenceSteps }
        return WarmupMultiStepSchedule(baseLR: baseLR, milestones: referenceMilestones.map(scale), gamma: gamma,
                                       warmupSteps: scale(referenceWarmup), warmupFactor: 0)
    }
}
