/// CReST's settings (`tailkit ssl --imbalance crest`, `crest-*` keys; DASO's `ALGORITHM.CREST`, the
/// shipped `configs/cifar10/fixmatch_crest.yaml`): generations of `generationSteps` [GEN_PERIOD_STEPS]
/// 50000, inclusion-rate exponent 1/α with α [ALPHA] 3, CReST+'s progressive distribution alignment
/// [PROGRESSIVE_ALIGN, with DIST_ALIGN.APPLY] on, down to the temperature t_min [TMIN] 0.5.
///
/// ```swift
/// var crest = CReSTConfig()
/// crest.generationSteps = 1000
/// try crest.validate(steps: 5000)      // 5 generations
/// ```
public struct CReSTConfig: Codable, Equatable, Sendable {
    public var generationSteps = 50_000
    public var alpha = 3.0
    public var tMin = 0.5
    public var progressiveAlign = true

    public init() {}

    /// Generations of a run of `steps` iterations.
    public func generations(steps: Int) -> Int { steps / max(1, generationSteps) }

    public func validate(steps: Int) throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TailKitError.invalidOption(message) } }
        try check(generationSteps >= 1, "--crest-gen-steps \(generationSteps) must be positive")
        try check(steps % generationSteps == 0,
                  "--steps \(steps) must be a multiple of --crest-gen-steps \(generationSteps) (each generation trains that many steps)")
        try check(alpha > 0 && alpha.isFinite, "--crest-alpha \(alpha) must be positive")
        try check(tMin > 0 && tMin <= 1, "--crest-tmin \(tMin) must be in (0, 1]")
    }
}
