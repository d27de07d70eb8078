import Foundation

/// The settings of a semi-supervised run beyond the common ones of `TrainConfig`, under kebab-case
/// keys in `config.yaml` and as `tailkit ssl` flags. Defaults are DASO's (`lib/config/defaults.py`
/// and the shipped FixMatch configs; the names in brackets):
///
/// - split: `labeled-head` N_1 [NUM_LABELED_HEAD] 1500, `unlabeled-head` M_1 [NUM_UNLABELED_HEAD] 3000,
///   `imb-labeled` γ_l [IMB_FACTOR_L] 100, `imb-unlabeled` γ_u [IMB_FACTOR_UL] 100 (a ratio ≥ 1; negative
///   for the reversed distribution [REVERSE_UL_DISTRIBUTION], 1 for uniform), `num-valid` [NUM_VALID] 5000;
/// - training: `steps` [MAX_ITER] 250000, `eval-every` [PERIODS.EVAL] 500, `mu` [UNLABELED_BATCH_RATIO] 2 for `fixmatch`, 1 for the other bases,
///   `threshold` τ [CONFIDENCE_THRESHOLD] 0.95, `unlabeled-weight` λ_u [UNLABELED_LOSS_WEIGHT] 1 (50 for
///   `meanteacher`, 100 for `mixmatch`), `ramp-ratio` [CONS_RAMPUP_ITERS_RATIO] 0.4 (0.016 for `mixmatch`), `ema-decay` [EMA_DECAY] 0.999,
///   `lr-schedule` constant (SOLVER.APPLY_SCHEDULER is off in every shipped SSL config), cosine, or
///   multistep (`SupervisedMultiStepRecipe`, the default of `supervised`, as `configs/*/supervised.yaml`);
/// - MixMatch/ReMixMatch: `mixup-alpha` [MIXUP_ALPHA] 0.5 for `mixmatch` (its shipped configs), 0.75 for
///   `remixmatch`; ReMixMatch: `remixmatch-kl-weight` [WEIGHT_KL] 0.5, `remixmatch-rot-weight` [WEIGHT_ROT]
///   0.5, `dist-align` [DIST_ALIGN.APPLY] true; for `remixmatch` λ_u is 1.5 and `ramp-ratio` 0.016;
/// - add-ons: `daso-*` (`DASOConfig`), `darp-*` (`DARPConfig`; `darp-estimate` a NumPy file of estimated
///   unlabeled counts [DARP.EST]), `la-tau` [LOGIT_ADJUST.TAU] 1, `crest-*` (`CReSTConfig`), `crt-steps`:
///   cRT's re-training steps after `steps` (default `steps` / 10; DASO ships no cRT config, and Kang et
///   al. re-train for about a tenth of the first stage's epochs);
/// - STL-10: `stl10-ra-first` false (RandAugment after the 96 -> 32 resize; true for the reference's order).
///
/// ```swift
/// var ssl = SSLConfig(algorithm: .fixmatch, imbalance: .daso)
/// ssl.imbUnlabeled = -100          // reversed unlabeled distribution
/// try ssl.validate()
/// ```
public struct SSLConfig: Codable, Equatable, Sendable {
    public var algorithm = SSLAlgorithmKind.fixmatch
    public var imbalance = ImbalanceAddOnKind.none
    public var labeledHead = 1500
    public var unlabeledHead = 3000
    public var imbLabeled = 100.0
    public var imbUnlabeled = 100.0
    public var numValid = 5000
    public var steps = 250_000
    public var evalEvery = 500
    public var mu = 2.0
    public var threshold = 0.95
    public var unlabeledWeight = 1.0
    /// Share of the steps over which Pseudo-Label's, Mean Teacher's, MixMatch's and ReMixMatch's unlabeled weight ramps up linearly
    /// (CONS_RAMPUP_ITERS_RATIO); with `crest`, of each generation, the ramp restarting (`ConsistencyRamp`).
    public var rampRatio = 0.4
    public var emaDecay = 0.999
    /// constant (DASO's SSL configs), cosine (FixMatch's `WarmupCosineLRFixMatch`) or multistep (DASO's
    /// supervised recipe scaled to `steps`, `SupervisedMultiStepRecipe`; the default of `supervised`).
    public var lrSchedule = "constant"
    public var laTau = 1.0
    /// Mixup's α (MixMatch, ReMixMatch).
    public var mixupAlpha = 0.75
    /// ReMixMatch's weights of the loss on strong view 1 and of the rotation loss.
    public var remixmatchKLWeight = 0.5
    public var remixmatchRotWeight = 0.5
    /// ReMixMatch's distribution alignment of the guesses (to the labeled class distribution).
    public var distAlign = false
    /// STL-10: RandAugment + Cutout before the 96 -> 32 resize, as the reference (spec quirk 9).
    public var stl10RAFirst = false
    /// DARP: a `.npy` file of estimated unlabeled class counts, the target when the distributions differ.
    public var darpEstimate: String?
    public var daso = DASOConfig()
    public var darp = DARPConfig()
    public var crest = CReSTConfig()
    /// cRT's re-training steps; nil for `steps` / 10 (at least 1), see `retrainingSteps`.
    public var crtSteps: Int?

    /// cRT's re-training steps as run.
    public var retrainingSteps: Int { crtSteps ?? max(1, steps / 10) }

    /// Steps the trainer runs: `steps`, and cRT's re-training after them.
    public var totalSteps: Int { steps + (imbalance == .crt ? retrainingSteps : 0) }

    public init(algorithm: SSLAlgorithmKind = .fixmatch, imbalance: ImbalanceAddOnKind = .none) {
        self.algorithm = algorithm
        self.imbalance = imbalance
        setAlgorithmDefaults()
    }

    /// The settings whose default depends on the algorithm.
    private mutating func setAlgorithmDefaults() {
        unlabeledWeight = algorithm.defaultUnlabeledWeight
        rampRatio = algorithm.defaultRampRatio
        mu = algorithm.defaultMu
        mixupAlpha = algorithm.defaultMixupAlpha
        distAlign = algorithm == .remixmatch
        lrSchedule = Self.defaultLRSchedule(algorithm)
    }

    /// DASO's schedule for the base: its supervised config's multi-step recipe, else a constant lr.
    public static func defaultLRSchedule(_ algorithm: SSLAlgorithmKind) -> String { algorithm == .supervised ? "multistep" : "constant" }

    /// Whether the unlabeled distribution is reversed (negative `imb-unlabeled`).
    public var reversedUnlabeled: Bool { imbUnlabeled < 0 }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case algorithm, imbalance, steps, mu, threshold
        case labeledHead = "labeled-head", unlabeledHead = "unlabeled-head", imbLabeled = "imb-labeled"
        case imbUnlabeled = "imb-unlabeled", numValid = "num-valid", evalEvery = "eval-every"
        case unlabeledWeight = "unlabeled-weight", rampRatio = "ramp-ratio", emaDecay = "ema-decay", lrSchedule = "lr-schedule", laTau = "la-tau"
        case mixupAlpha = "mixup-alpha", remixmatchKLWeight = "remixmatch-kl-weight", remixmatchRotWeight = "remixmatch-rot-weight"
        case distAlign = "dist-align"
        case dasoPretrainSteps = "daso-pretrain-steps", dasoProtoTemp = "daso-proto-temp", dasoDistPeriod = "daso-dist-period"
        case dasoDistTemp = "daso-dist-temp", dasoFixedBlend = "daso-fixed-blend", dasoAlignWeight = "daso-align-weight"
        case dasoQueueSize = "daso-queue-size"
        case darpWarmup = "darp-warmup", darpPeriod = "darp-period", darpAlpha = "darp-alpha", darpIterations = "darp-iterations"
        case crestGenSteps = "crest-gen-steps", crestAlpha = "crest-alpha", crestTMin = "crest-tmin"
        case crestProgressiveAlign = "crest-progressive-align", crtSteps = "crt-steps"
        case darpEstimate = "darp-estimate", stl10RAFirst = "stl10-ra-first"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func take<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        if let text = try c.decodeIfPresent(String.self, forKey: .algorithm) { algorithm = try SSLAlgorithmKind(parsing: text) }
        setAlgorithmDefaults()
        if let text = try c.decodeIfPresent(String.self, forKey: .imbalance) { imbalance = try ImbalanceAddOnKind(parsing: text) }
        try take(.labeledHead, &labeledHead)
        try take(.unlabeledHead, &unlabeledHead)
        try take(.imbLabeled, &imbLabeled)
        try take(.imbUnlabeled, &imbUnlabeled)
        try take(.numValid, &numValid)
        try take(.steps, &steps)
        try take(.evalEvery, &evalEvery)
        try take(.mu, &mu)
        try take(.threshold, &threshold)
        try take(.unlabeledWeight, &unlabeledWeight)
        try take(.rampRatio, &rampRatio)
        try take(.emaDecay, &emaDecay)
        try take(.lrSchedule, &lrSchedule)
        try take(.laTau, &laTau)
        try take(.mixupAlpha, &mixupAlpha)
        try take(.remixmatchKLWeight, &remixmatchKLWeight)
        try take(.remixmatchRotWeight, &remixmatchRotWeight)
        try take(.distAlign, &distAlign)
        try take(.dasoPretrainSteps, &daso.pretrainSteps)
        try take(.dasoProtoTemp, &daso.protoTemp)
        try take(.dasoDistPeriod, &daso.distUpdatePeriod)
        try take(.dasoDistTemp, &daso.distTemp)
        daso.interpAlpha = try c.decodeIfPresent(Double.self, forKey: .dasoFixedBlend)
        try take(.dasoAlignWeight, &daso.alignWeight)
        try take(.dasoQueueSize, &daso.queueSize)
        try take(.darpWarmup, &darp.warmupRatio)
        try take(.darpPeriod, &darp.period)
        try take(.darpAlpha, &darp.alpha)
        try take(.darpIterations, &darp.iterations)
        try take(.crestGenSteps, &crest.generationSteps)
        try take(.crestAlpha, &crest.alpha)
        try take(.crestTMin, &crest.tMin)
        try take(.crestProgressiveAlign, &crest.progressiveAlign)
        crtSteps = try c.decodeIfPresent(Int.self, forKey: .crtSteps)
        darpEstimate = try c.decodeIfPresent(String.self, forKey: .darpEstimate)
        try take(.stl10RAFirst, &stl10RAFirst)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(algorithm.rawValue, forKey: .algorithm)
        try c.encode(imbalance.rawValue, forKey: .imbalance)
        try c.encode(labeledHead, forKey: .labeledHead)
        try c.encode(unlabeledHead, forKey: .unlabeledHead)
        try c.encode(imbLabeled, forKey: .imbLabeled)
        try c.encode(imbUnlabeled, forKey: .imbUnlabeled)
        try c.encode(numValid, forKey: .numValid)
        try c.encode(steps, forKey: .steps)
        try c.encode(evalEvery, forKey: .evalEvery)
        try c.encode(mu, forKey: .mu)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(unlabeledWeight, forKey: .unlabeledWeight)
        try c.encode(rampRatio, forKey: .rampRatio)
        try c.encode(emaDecay, forKey: .emaDecay)
        try c.encode(lrSchedule, forKey: .lrSchedule)
        try c.encode(laTau, forKey: .laTau)
        try c.encode(mixupAlpha, forKey: .mixupAlpha)
        try c.encode(remixmatchKLWeight, forKey: .remixmatchKLWeight)
        try c.encode(remixmatchRotWeight, forKey: .remixmatchRotWeight)
        try c.encode(distAlign, forKey: .distAlign)
        try c.encode(daso.pretrainSteps, forKey: .dasoPretrainSteps)
        try c.encode(daso.protoTemp, forKey: .dasoProtoTemp)
        try c.encode(daso.distUpdatePeriod, forKey: .dasoDistPeriod)
        try c.encode(daso.distTemp, forKey: .dasoDistTemp)
        try c.encodeIfPresent(daso.interpAlpha, forKey: .dasoFixedBlend)
        try c.encode(daso.alignWeight, forKey: .dasoAlignWeight)
        try c.encode(daso.queueSize, forKey: .dasoQueueSize)
        try c.encode(darp.warmupRatio, forKey: .darpWarmup)
        try c.encode(darp.period, forKey: .darpPeriod)
        try c.encode(darp.alpha, forKey: .darpAlpha)
        try c.encode(darp.iterations, forKey: .darpIterations)
        try c.encode(crest.generationSteps, forKey: .crestGenSteps)
        try c.encode(crest.alpha, forKey: .crestAlpha)
        try c.encode(crest.tMin, forKey: .crestTMin)
        try c.encode(crest.progressiveAlign, forKey: .crestProgressiveAlign)
        try c.encodeIfPresent(crtSteps, forKey: .crtSteps)
        try c.encodeIfPresent(darpEstimate, forKey: .darpEstimate)
        try c.encode(stl10RAFirst, forKey: .stl10RAFirst)
    }

    /// The keys that apply to the run's algorithm and add-on, with their values as YAML text.
    private var settings: [(CodingKeys, String)] {
        var out: [(CodingKeys, String)] = [
            (.algorithm, algorithm.rawValue), (.imbalance, imbalance.rawValue), (.labeledHead, "\(labeledHead)"),
            (.unlabeledHead, "\(unlabeledHead)"), (.imbLabeled, "\(imbLabeled)"), (.imbUnlabeled, "\(imbUnlabeled)"),
            (.numValid, "\(numValid)"), (.steps, "\(steps)"), (.evalEvery, "\(evalEvery)"), (.mu, "\(mu)"),
            (.threshold, "\(threshold)"), (.unlabeledWeight, "\(unlabeledWeight)"), (.emaDecay, "\(emaDecay)"),
            (.lrSchedule, lrSchedule),
        ]
        if [.pseudolabel, .meanteacher, .mixmatch, .remixmatch].contains(algorithm) { out.append((.rampRatio, "\(rampRatio)")) }
        if [.mixmatch, .remixmatch].contains(algorithm) { out.append((.mixupAlpha, "\(mixupAlpha)")) }
        if algorithm == .remixmatch {
            out += [(.remixmatchKLWeight, "\(remixmatchKLWeight)"), (.remixmatchRotWeight, "\(remixmatchRotWeight)"),
                    (.distAlign, "\(distAlign)")]
        }
        switch imbalance {
        case .none, .abc: break
        case .la: out.append((.laTau, "\(laTau)"))
        case .daso:
            out += [(.dasoPretrainSteps, "\(daso.pretrainSteps)"), (.dasoProtoTemp, "\(daso.protoTemp)"),
                    (.dasoDistPeriod, "\(daso.distUpdatePeriod)"), (.dasoDistTemp, "\(daso.distTemp)"),
                    (.dasoAlignWeight, "\(daso.alignWeight)"), (.dasoQueueSize, "\(daso.queueSize)")]
            if let alpha = daso.interpAlpha { out.append((.dasoFixedBlend, "\(alpha)")) }
        case .darp:
            out += [(.darpWarmup, "\(darp.warmupRatio)"), (.darpPeriod, "\(darp.period)"), (.darpAlpha, "\(darp.alpha)"),
                    (.darpIterations, "\(darp.iterations)")]
            if let darpEstimate { out.append((.darpEstimate, darpEstimate)) }
        case .crest:
            out += [(.crestGenSteps, "\(crest.generationSteps)"), (.crestAlpha, "\(crest.alpha)"),
                    (.crestProgressiveAlign, "\(crest.progressiveAlign)")]
            if crest.progressiveAlign { out.append((.crestTMin, "\(crest.tMin)")) }
        case .crt: out.append((.crtSteps, "\(retrainingSteps)"))
        }
        return out
    }

    /// `key: value` pairs for `config.yaml` and the report.
    public func yamlSettings() -> [(String, String)] { settings.map { ($0.0.rawValue, $0.1) } }

    /// Rejects values that cannot run, naming the flag.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TailKitError.invalidOption(message) } }
        try check(labeledHead >= 1, "--labeled-head \(labeledHead) must be positive")
        try check(unlabeledHead >= 0, "--unlabeled-head \(unlabeledHead) must not be negative")
        try check(imbLabeled >= 1 && imbLabeled.isFinite, "--imb-labeled \(imbLabeled) must be a ratio of at least 1 (head/tail; 1 = balanced)")
        try check(Swift.abs(imbUnlabeled) >= 1 && imbUnlabeled.isFinite,
                  "--imb-unlabeled \(imbUnlabeled) must be a ratio of at least 1 in size (head/tail; 1 = uniform; negative = reversed)")
        try check(numValid >= 0, "--num-valid \(numValid) must not be negative")
        try check(steps >= 1, "--steps \(steps) must be positive")
        try check(evalEvery >= 1, "--eval-every \(evalEvery) must be positive")
        try check(mu > 0 && mu.isFinite, "--mu \(mu) must be positive")
        try check(threshold >= 0 && threshold <= 1, "--threshold \(threshold) must be in [0, 1]")
        try check(unlabeledWeight >= 0 && unlabeledWeight.isFinite, "--unlabeled-weight \(unlabeledWeight) must not be negative")
        try check(rampRatio >= 0 && rampRatio <= 1, "--ramp-ratio \(rampRatio) must be in [0, 1]")
        try check(emaDecay >= 0 && emaDecay < 1, "--ema-decay \(emaDecay) must be in [0, 1)")
        try check(["constant", "cosine", "multistep"].contains(lrSchedule), "--lr-schedule '\(lrSchedule)' must be constant, cosine or multistep")
        try check(laTau.isFinite, "--la-tau \(laTau) must be a finite number")
        try check(mixupAlpha > 0 && mixupAlpha.isFinite, "--mixup-alpha \(mixupAlpha) must be positive (Beta(α, α))")
        try check(remixmatchKLWeight >= 0 && remixmatchKLWeight.isFinite, "--remixmatch-kl-weight \(remixmatchKLWeight) must not be negative")
        try check(remixmatchRotWeight >= 0 && remixmatchRotWeight.isFinite, "--remixmatch-rot-weight \(remixmatchRotWeight) must not be negative")
        try check(!distAlign || algorithm == .remixmatch, "--dist-align on applies to --algorithm remixmatch only, not \(algorithm.rawValue)")
        if imbalance == .daso { try daso.validate() }
        if imbalance == .darp { try darp.validate() }
        if imbalance == .crest { try crest.validate(steps: steps) }
        if imbalance == .crt { try check(retrainingSteps >= 1, "--crt-steps \(retrainingSteps) must be positive") }
        try SSLPairing.check(base: try algorithm.make(config: self), addOn: try imbalance.make(config: self, labeledCounts: [1, 1]))
    }
}
