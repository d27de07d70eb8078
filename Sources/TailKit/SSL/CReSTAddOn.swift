import Foundation
import TailData
import Torch

/// CReST and CReST+ (Wei et al., CVPR 2021; ytaek-oh/daso `lib/algorithm/fm_crest.py`, spec §4.12): the
/// run is G generations of `crest-gen-steps`. At the end of each generation but the last, the EMA model
/// predicts the whole unlabeled set and `CReSTSelection` picks, per predicted class, its most confident
/// images at the mirrored inclusion rate; they join the *initial* labeled set with their pseudo-labels,
/// and the next generation starts from scratch: new model, EMA, optimizer, lr schedule and labeled
/// stream (`SemiSupervisedTask.stageSwitch`, `SSLStagePlan.crest`).
///
/// CReST+ (`crest-progressive-align`, on as in DASO's CIFAR configs): the weak-view probabilities are
/// distribution-aligned (`DistributionAlignment`, target the initial labeled distribution, its window
/// kept across generations as in the reference) with the temperature t_g of generation g
/// (`CReSTSelection.temperature`): 1.0 → `crest-tmin` over the generations. Off: plain CReST, no
/// alignment. Where it aligns depends on the base (`alignsInHook`):
///
/// - a base without alignment of its own (FixMatch, Pseudo-Label): in the pseudo-label hook, as
///   `lib/algorithm/fm_crest.py`;
/// - ReMixMatch, which aligns its guesses itself: not in the hook (that would align twice); the base's
///   alignment takes t_g through `alignmentTemperature` (`lib/algorithm/rm_crest.py`: target the
///   initial labeled distribution, window kept across generations; with `--dist-align off` nothing
///   aligns, CReST+ or not).
///
/// It works through the pseudo-label hook or the base's alignment and the EMA model, so any base that
/// makes pseudo-labels from a weak view and aligns them at most once pairs with it.
///
/// ```swift
/// let crest = try CReSTAddOn(config: ssl.crest, labeledCounts: [1500, 150, 15], steps: 250_000, alignsInHook: true)
/// crest.choose(probabilities: unlabeledPredictions, generation: 2)
/// let labeled = crest.labeledSet(initial: data.labeled, unlabeled: data.unlabeled)
/// ```
public final class CReSTAddOn: ImbalanceAddOn {
    public let kind = ImbalanceAddOnKind.crest
    public let requirements: Set<SSLCapability> = [.labeledLogits, .pseudoLabels, .temperedAlignment, .emaModel]
    public let config: CReSTConfig
    public let generations: Int
    /// The rate each predicted class is added at (μ of the mirrored class).
    public let rates: [Double]
    /// The generation being trained (1-based).
    public internal(set) var generation = 1
    /// The unlabeled images added for this generation, with their pseudo-labels.
    public private(set) var additions: [(index: Int, label: Int)] = []
    private var alignment: DistributionAlignment?
    private let classes: Int

    /// `alignsInHook`: false when the base aligns its guesses itself (`SSLAlgorithmKind.ownsDistributionAlignment`).
    public init(config: CReSTConfig, labeledCounts: [Int], steps: Int, alignsInHook: Bool = true) throws {
        try config.validate(steps: steps)
        self.config = config
        classes = labeledCounts.count
        generations = config.generations(steps: steps)
        rates = CReSTSelection.mirroredRates(CReSTSelection.inclusionRates(labeledCounts: labeledCounts, alpha: config.alpha),
                                             labeledCounts: labeledCounts)
        alignment = config.progressiveAlign && alignsInHook ? try DistributionAlignment(target: labeledCounts.map(Double.init)) : nil
    }

    /// t_g of the current generation (1 without CReST+).
    public var temperature: Double {
        config.progressiveAlign ? CReSTSelection.temperature(generation: generation, of: generations, tMin: config.tMin) : 1
    }

    /// t_g for the base's own alignment under CReST+ (ignored by bases without one).
    public var alignmentTemperature: Double? { config.progressiveAlign ? temperature : nil }

    /// Aligns with t_g only when the base has no alignment of its own.
    public func pseudoLabels(_ probabilities: Tensor, forward: SSLForward) throws -> Tensor {
        guard alignment != nil else { return probabilities }
        return try alignment!.align(probabilities, temperature: temperature)
    }

    /// Picks generation `generation`'s additions from the EMA model's predictions on the unlabeled set.
    public func choose(probabilities: [[Double]], generation: Int) {
        self.generation = generation
        additions = CReSTSelection.select(probabilities: probabilities, rates: rates)
    }

    /// Images added per class.
    public var addedCounts: [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for a in additions { counts[a.label] += 1 }
        return counts
    }

    /// The initial labeled images, then the additions with their pseudo-labels.
    public func labeledSet(initial: ImageSet, unlabeled: ImageSet) -> ImageSet {
        guard !additions.isEmpty else { return initial }
        var added = unlabeled.subset(additions.map(\.index))
        added.labels = additions.map(\.label)
        var set = initial
        set.images += added.images
        set.labels += added.labels
        return set
    }

    public func evaluationMetrics() -> [String: Double] {
        var metrics = ["crest_generation": Double(generation), "crest_added": Double(additions.count)]
        if config.progressiveAlign { metrics["crest_da_temperature"] = temperature }
        for (c, n) in addedCounts.enumerated() { metrics["crest_added_\(c)"] = Double(n) }
        return metrics
    }

    public func stateTensors() throws -> [(String, Tensor)] {
        var state: [(String, Tensor)] = [("crest.generation", try Tensor([Int64(generation)])),
                                         ("crest.added_index", try Tensor(additions.map { Int64($0.index) })),
                                         ("crest.added_label", try Tensor(additions.map { Int64($0.label) }))]
        if let alignment { state += try alignment.stateTensors(prefix: "crest.da") }
        return state
    }

    public func restore(_ state: [(String, Tensor)]) throws {
        generation = try stateTensor(state, "crest.generation").toArray(Int.self).first ?? 1
        let index = try stateTensor(state, "crest.added_index").toArray(Int.self), label = try stateTensor(state, "crest.added_label").toArray(Int.self)
        guard index.count == label.count else {
            throw TailKitError.invalidOption("the checkpoint's CReST additions hold \(index.count) images but \(label.count) labels")
        }
        additions = zip(index, label).map { ($0, $1) }
        try alignment?.restore(state, prefix: "crest.da")
    }
}
