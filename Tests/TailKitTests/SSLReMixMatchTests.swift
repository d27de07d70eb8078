import Foundation
import Testing
@testable import TailKit
import Torch
import TorchNN

/// ReMixMatch: its pieces by hand (guess order, quarter turns, ramp, loss weights, pairings, the
/// alignment window's state) and its losses against the reference's own `run_step`. The expected numbers
/// were computed by ytaek-oh/daso @ 3541a6c (`lib/algorithm/remixmatch.py` `ReMixMatch.run_step`,
/// `lib/algorithm/rm_daso.py` `ReMixMatchDASO.run_step`, its DistributionAlignment, FeatureQueue and
/// DistributionLogger) under torch 2.13.0 by `scripts/parity/remixmatch_losses.py`; only the numbers
/// are committed. The reference calls DASO's alignment loss `loss_assign`; TailKit logs `loss_align`.
///
/// The batch: B = 4 labeled images (labels 0 1 2 0) and 4 unlabeled ones, each a 3×32×32 image of
/// value(k) = 2 sin(1.3k + 0.3) + cos(0.37k²) rounded to float32 (labeled from k = 0, weak from 20000,
/// strong 1 from 40000, strong 2 from 60000, row-major). The network (`QuadrantNet`): features = the
/// mean of each channel's four 16×16 quadrants, classifier weight 1.5·value from 80000, bias 0.5·value
/// from 80100, rotation head weight 1.5·value from 80200, bias 0.5·value from 80300. Draws fixed:
/// λ = max(0.3, 0.7), permutation i → (5i + 3) mod 16, turns 1 3 0 2; step 1 of a 4-step ramp (0.25).
@Suite struct SSLReMixMatchTests {
    private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-5) -> Bool { Swift.abs(a - b) <= tolerance * max(1, Swift.abs(b)) }

    static func value(_ k: Int) -> Double { 2 * Foundation.sin(1.3 * Double(k) + 0.3) + Foundation.cos(0.37 * Double(k * k)) }

    static func block(_ offset: Int, _ shape: [Int], scale: Double = 1) throws -> Tensor {
        try Tensor((0..<shape.reduce(1, *)).map { Float(scale * value(offset + $0)) }, shape: shape)
    }

    static let draws = ReMixMatchAlgorithm.Draws(lambda: 0.7, permutation: (0..<16).map { (5 * $0 + 3) % 16 }, turns: [1, 3, 0, 2])

    /// A ReMixMatch with the parity weights, its rotation head set, alignment to (0.5, 0.25, 0.15, 0.1)
    /// with one earlier batch in the window when `align`.
    func remixmatch(model: QuadrantNet, align: Bool) throws -> ReMixMatchAlgorithm {
        var alignment: DistributionAlignment?
        if align {
            var da = try DistributionAlignment(target: [0.5, 0.25, 0.15, 0.1])
            _ = try da.align(try Functional.softmax(try Self.block(90000, [4, 4]), dim: 1))
            alignment = da
        }
        let base = ReMixMatchAlgorithm(rampSteps: 4, alignment: alignment, seed: 0)
        try base.attach(model: model, device: .cpu)
        let head = try #require(base.rotationHead)
        try withNoGrad {
            try head.weight.copy(from: try Self.block(80200, [4, 12], scale: 1.5))
            try head.bias?.copy(from: try Self.block(80300, [4], scale: 0.5))
        }
        return base
    }

    func parityLosses(align: Bool, addOn: any ImbalanceAddOn, model: QuadrantNet) throws -> SSLLosses {
        let base = try remixmatch(model: model, align: align)
        let views = try [20000, 40000, 60000].map { try Self.block($0, [4, 3, 32, 32]) }
        let forward = try base.forward(model: model, labeled: try Self.block(0, [4, 3, 32, 32]), labels: try Tensor([0, 1, 2, 0]),
                                       unlabeled: views, unlabeledIndices: [0, 1, 2, 3], addOn: addOn, step: 1, draws: Self.draws)
        return try base.losses(forward, addOn: addOn)
    }

    func check(_ losses: SSLLosses, _ expected: [String: Double], _ label: String) throws {
        let got = try Dictionary(uniqueKeysWithValues: losses.terms.map { ($0.name, try $0.value.item()) })
        try #require(got.count == expected.count, "\(label): terms \(got.keys.sorted()) vs \(expected.keys.sorted())")
        for (name, want) in expected {
            let value = try #require(got[name], "\(label): no \(name)")
            #expect(Swift.abs(value - want) <= 2e-5 * max(1, Swift.abs(want)), "\(label) \(name): \(value) vs the reference's \(want)")
        }
    }

    @Test func reMixMatchLossesMatchTheReference() throws {
        let model = try QuadrantNet()
        try check(try parityLosses(align: true, addOn: NoAddOn(), model: model),
                  ["loss_cls": 2.202521324157715, "loss_cons": 0.7673125863075256, "loss_kl": 0.2672571539878845,
                   "loss_rotation": 0.8514721393585205], "ReMixMatch with distribution alignment")
        try check(try parityLosses(align: false, addOn: NoAddOn(), model: model),
                  ["loss_cls": 2.000455856323242, "loss_cons": 0.3590366840362549, "loss_kl": 0.12531213462352753,
                   "loss_rotation": 0.8514721393585205], "ReMixMatch")
    }

    /// ReMixMatch + DASO after one queue update with the labeled batch's features and π̂ from the
    /// pseudo-label counts (40, 25, 20, 15), T_dist 1.5, no alignment (the CIFAR-10 config).
    @Test func reMixMatchWithDASOMatchesTheReference() throws {
        let model = try QuadrantNet()
        var config = DASOConfig()
        (config.pretrainSteps, config.distUpdatePeriod, config.distTemp) = (1, 1, 1.5)
        let daso = try DASOAddOn(config: config, classes: 4, totalSteps: 10)
        try daso.beforeStep(SSLStepContext(labeledImages: try Self.block(0, [4, 3, 32, 32]), labels: try Tensor([0, 1, 2, 0]),
                                           ema: FeatureEncoder(model), step: 1))
        let counts = [40, 25, 20, 15].enumerated().flatMap { Array(repeating: $0.offset, count: $0.element) }
        try daso.observe(PseudoLabelBatch(labels: counts, confidences: counts.map { _ in 1 }, mask: counts.map { _ in true }), step: 0)
        let losses = try parityLosses(align: false, addOn: daso, model: model)
        try check(losses, ["loss_align": 2.1853299140930176, "loss_kl": 0.18978093564510345, "loss_cls": 2.1677498817443848,
                           "loss_cons": 0.6363235712051392, "loss_rotation": 0.8514721393585205], "ReMixMatch + DASO")
        let pseudo = try #require(losses.pseudoLabels)
        try #require(pseudo.labels.count == 4 && pseudo.confidences.count == 4)
        #expect(pseudo.labels == [3, 0, 0, 2])
        for (a, b) in zip(pseudo.confidences, [0.6373284459114075, 0.6069397330284119, 0.6170558333396912, 0.8108394145965576]) {
            #expect(Swift.abs(a - b) < 2e-6, "confidence \(a) vs \(b)")
        }
    }

    /// The guess aligns before it sharpens, then the add-on's hook sees the result. p = (0.5, 0.5), target
    /// (0.8, 0.2), window = this batch: aligned (0.8, 0.2), sharpened (0.64, 0.04) / 0.68. (Sharpening first
    /// would give (0.8, 0.2).)
    @Test func guessAlignsThenSharpensThenCallsTheHook() throws {
        let base = ReMixMatchAlgorithm(rampSteps: 10, alignment: try DistributionAlignment(target: [0.8, 0.2]), seed: 0)
        let hook = RecordingHook()
        let forward = SSLForward(labeledLogits: try Tensor.zeros([0, 2]), labels: try Tensor([Int64]()), step: 0)
        let q = try base.guess(try Tensor([Float](arrayLiteral: 0.5, 0.5), shape: [1, 2]), addOn: hook, forward: forward)
        let seen = try #require(hook.seen).toArray(Float.self).map(Double.init)
        try #require(seen.count == 2)
        #expect(close(seen[0], 0.64 / 0.68) && close(seen[1], 0.04 / 0.68), "\(seen)")
        #expect(try q.toArray(Float.self) == [1, 0], "the hook's output is the guess")
        let plain = ReMixMatchAlgorithm(rampSteps: 10, alignment: nil, seed: 0)
        let unaligned = try plain.guess(try Tensor([Float](arrayLiteral: 0.6, 0.4), shape: [1, 2]), addOn: NoAddOn(), forward: forward)
        let u = try unaligned.toArray(Float.self).map(Double.init)
        try #require(u.count == 2)
        #expect(close(u[0], 0.36 / 0.52) && close(u[1], 0.16 / 0.52), "\(u)")
    }

    /// With DARP, alignment aims at DARP's unlabeled distribution once known: target counts (10, 30) give
    /// (0.25, 0.75), so p = (0.5, 0.5) aligns to (0.25, 0.75) and sharpens to (0.0625, 0.5625) / 0.625 =
    /// (0.1, 0.9) (DARP passes it unchanged in its warm-up). Without a known target the labeled one stays.
    @Test func guessAlignsToDARPsDistributionOnceKnown() throws {
        let darp = DARPAddOn(config: DARPConfig(), unlabeledCount: 1, classes: 2, steps: 100, target: [10, 30])
        #expect(darp.alignmentTarget == [0.25, 0.75])
        let base = ReMixMatchAlgorithm(rampSteps: 10, alignment: try DistributionAlignment(target: [0.8, 0.2]), seed: 0)
        var forward = SSLForward(labeledLogits: try Tensor.zeros([0, 2]), labels: try Tensor([Int64]()), step: 0)
        forward.unlabeledIndices = [0]
        let p = try Tensor([Float](arrayLiteral: 0.5, 0.5), shape: [1, 2])
        let q = try base.guess(p, addOn: darp, forward: forward).toArray(Float.self).map(Double.init)
        try #require(q.count == 2)
        #expect(close(q[0], 0.1) && close(q[1], 0.9), "\(q)")
        #expect(base.alignment?.target == [0.25, 0.75])
        let unknown = DARPAddOn(config: DARPConfig(), unlabeledCount: 1, classes: 2, steps: 100, target: nil)
        #expect(unknown.alignmentTarget == nil)
        let other = ReMixMatchAlgorithm(rampSteps: 10, alignment: try DistributionAlignment(target: [0.8, 0.2]), seed: 0)
        let r = try other.guess(p, addOn: unknown, forward: forward).toArray(Float.self).map(Double.init)
        try #require(r.count == 2)
        #expect(close(r[0], 0.64 / 0.68) && close(r[1], 0.04 / 0.68), "\(r)")
    }

    /// Quarter turns of [[1, 2], [3, 4]], counter-clockwise as torch.rot90: k = 1 → [[2, 4], [1, 3]],
    /// k = 2 → [[4, 3], [2, 1]], k = 3 → [[3, 1], [4, 2]]; a batch turns each image by its own k; the
    /// step's turns are in 0…3, one per image, the same for the same step.
    @Test func quarterTurnsAndRotationTargetsByHand() throws {
        let image = try Tensor([Float](arrayLiteral: 1, 2, 3, 4), shape: [1, 1, 2, 2])
        let expected: [[Float]] = [[1, 2, 3, 4], [2, 4, 1, 3], [4, 3, 2, 1], [3, 1, 4, 2]]
        for k in 0..<4 { #expect(try QuarterTurn.rotate(image, quarterTurns: k).contiguous().toArray(Float.self) == expected[k], "k = \(k)") }
        let pair = try Tensor.cat([image, try image * 10.0], dim: 0)
        let turned = try QuarterTurn.rotate(batch: pair, turns: [3, 1]).contiguous().toArray(Float.self)
        #expect(turned == expected[3] + expected[1].map { $0 * 10 })
        #expect(throws: TailKitError.self) { try QuarterTurn.rotate(batch: try Tensor.zeros([1, 1, 2, 3]), turns: [1]) }
        let base = ReMixMatchAlgorithm(rampSteps: 10, alignment: nil, seed: 5)
        let a = try base.draws(rows: 12, unlabeled: 64, step: 3), b = try base.draws(rows: 12, unlabeled: 64, step: 3)
        try #require(a.turns.count == 64)
        #expect(a.turns == b.turns && a.permutation == b.permutation && a.lambda == b.lambda)
        #expect(Set(a.turns) == [0, 1, 2, 3], "64 turns should cover all four: \(a.turns)")
        #expect(a.permutation.sorted() == Array(0..<12) && a.lambda >= 0.5 && a.lambda <= 1)
        #expect(try base.draws(rows: 12, unlabeled: 64, step: 4).turns != a.turns)
    }

    /// The losses by hand at step 5 of a 10-step ramp (r = 0.5): mixed labeled logits (ln 3, 0) against
    /// (0.5, 0.5) give −(0.5 log 0.75 + 0.5 log 0.25); mixed unlabeled logits (0, 0) against (1, 0) give
    /// log 2, times 1.5 · 0.5; strong view 1's logits (0, 0) against q = (1, 0): log 2 · 0.5 · 0.5; the
    /// rotation logits (0, 0, 0, 0) for turn 2: log 4 · 0.5, not ramped. The pseudo-label is argmax q.
    @Test func lossWeightsAndRampByHand() throws {
        let base = ReMixMatchAlgorithm(rampSteps: 10, alignment: nil, seed: 0)
        #expect(base.ramp(at: 0) == 0 && base.ramp(at: 5) == 0.5 && base.ramp(at: 20) == 1)
        #expect(ReMixMatchAlgorithm(rampSteps: 0, alignment: nil, seed: 0).ramp(at: 0) == 1)
        let ln3 = Float(Foundation.log(3.0))
        var forward = SSLForward(labeledLogits: try Tensor([Float](arrayLiteral: ln3, 0), shape: [1, 2]), labels: try Tensor([0]),
                                 weakLogits: try Tensor.zeros([1, 2]), strongLogits: try Tensor.zeros([1, 2]), step: 5)
        forward.mixedTargets = try Tensor([Float](arrayLiteral: 0.5, 0.5, 1, 0), shape: [2, 2])
        forward.guess = try Tensor([Float](arrayLiteral: 1, 0), shape: [1, 2])
        forward.rotationLogits = try Tensor.zeros([1, 4])
        forward.rotationLabels = try Tensor([Int64(2)])
        let losses = try base.losses(forward, addOn: NoAddOn())
        try #require(losses.terms.count == 4)
        #expect(losses.terms.map(\.name) == ["loss_cls", "loss_cons", "loss_kl", "loss_rotation"])
        let values = try losses.terms.map { try $0.value.item() }
        #expect(close(values[0], -0.5 * (Foundation.log(0.75) + Foundation.log(0.25))))
        #expect(close(values[1], Foundation.log(2.0) * 1.5 * 0.5))
        #expect(close(values[2], Foundation.log(2.0) * 0.5 * 0.5))
        #expect(close(values[3], Foundation.log(4.0) * 0.5))
        let pseudo = try #require(losses.pseudoLabels)
        #expect(pseudo.labels == [0] && pseudo.mask == [true])
    }

    /// ReMixMatch pairs with none, la, darp and daso; ABC (it needs the un-mixed labeled features) is
    /// refused with the reason; the config's defaults follow DASO's ReMixMatch config.
    @Test func pairingsAndDefaults() throws {
        for addOn in ["none", "la", "darp", "daso"] {
            var ssl = SSLConfig(algorithm: .remixmatch, imbalance: try ImbalanceAddOnKind(parsing: addOn))
            ssl.steps = 10_000
            try ssl.validate()
        }
        do {
            try SSLConfig(algorithm: .remixmatch, imbalance: .abc).validate()
            Issue.record("remixmatch + abc was accepted")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("--imbalance abc cannot work with --algorithm remixmatch") && message.contains("un-mixed labeled batch")
                    && message.contains("bases it works with: fixmatch"), "\(message)")
        }
        let ssl = SSLConfig(algorithm: .remixmatch)
        #expect(ssl.unlabeledWeight == 1.5 && ssl.rampRatio == 0.016 && ssl.mu == 1 && ssl.mixupAlpha == 0.75 && ssl.distAlign)
        #expect(ssl.remixmatchKLWeight == 0.5 && ssl.remixmatchRotWeight == 0.5)
        #expect(SSLConfig(algorithm: .mixmatch).mixupAlpha == 0.5 && !SSLConfig(algorithm: .mixmatch).distAlign)
        var wrong = SSLConfig(algorithm: .fixmatch)
        wrong.distAlign = true
        #expect(throws: TailKitError.self) { try wrong.validate() }
        var alpha = SSLConfig(algorithm: .mixmatch)
        alpha.mixupAlpha = 0
        #expect(throws: TailKitError.self) { try alpha.validate() }
        let back = try JSONDecoder().decode(SSLConfig.self, from: try JSONEncoder().encode(ssl))
        #expect(back == ssl)
    }

    /// The alignment window survives the checkpoint: restored from `stateTensors(prefix:)`, the next
    /// batch aligns the same; a window of the wrong width is refused.
    @Test func alignmentWindowRoundTrips() throws {
        var da = try DistributionAlignment(target: [0.6, 0.3, 0.1], capacity: 2)
        for k in 0..<3 { _ = try da.align(try Functional.softmax(try Self.block(10 * k, [2, 3]), dim: 1)) }
        var back = try DistributionAlignment(target: [0.6, 0.3, 0.1], capacity: 2)
        let saved = try da.stateTensors(prefix: "da")
        try back.restore(saved, prefix: "da")
        #expect(try saved.first { $0.0 == "da.rows" }?.1.toArray(Int.self) == [2, 2])
        let next = try Functional.softmax(try Self.block(99, [2, 3]), dim: 1)
        #expect(try da.align(next).toArray(Float.self) == back.align(next).toArray(Float.self))
        let narrow: [(String, Tensor)] = [("da.sums", try Tensor([0.5, 0.5]).reshape([1, 2])), ("da.rows", try Tensor([Int64(2)]))]
        #expect(throws: TailKitError.self) { try back.restore(narrow, prefix: "da") }
    }
}

/// The parity network: features = the mean of each channel's four 16×16 quadrants (12 numbers for a
/// 3×32×32 image; a quarter turn permutes them), a Linear(12, 4) classifier with the fixed weights.
final class QuadrantNet: Module, ClassifierModel {
    let featureDim = 12
    let numClasses = 4
    let linear: Linear
    var classifier: Module { linear }

    /// Classifier weight 1.5·value from `weightAt`, bias 0.5·value from `biasAt`.
    init(weightAt: Int = 80000, biasAt: Int = 80100) throws {
        linear = try Linear(12, 4)
        super.init()
        registerModule("linear", linear)
        try withNoGrad {
            try linear.weight.copy(from: try SSLReMixMatchTests.block(weightAt, [4, 12], scale: 1.5))
            try linear.bias?.copy(from: try SSLReMixMatchTests.block(biasAt, [4], scale: 0.5))
        }
    }

    func features(_ x: Tensor) throws -> Tensor {
        try x.reshape([x.shape[0], 3, 2, 16, 2, 16]).mean(dims: [3, 5]).flatten(start: 1)
    }

    func logits(fromFeatures f: Tensor) throws -> Tensor { try linear(f) }
    override func forward(_ x: Tensor) throws -> Tensor { try logits(fromFeatures: try features(x)) }
}

/// The parity's "EMA encoder": the network's own features.
final class FeatureEncoder: ClassifierModelReference {
    let model: any ClassifierModel
    init(_ model: any ClassifierModel) { self.model = model }
    func features(of x: Tensor) throws -> Tensor { try model.features(x) }
}

/// An add-on whose pseudo-label hook records its input and answers (1, 0, …) per row.
final class RecordingHook: ImbalanceAddOn {
    let kind = ImbalanceAddOnKind.none
    let requirements: Set<SSLCapability> = [.labeledLogits]
    var seen: Tensor?
    func pseudoLabels(_ probabilities: Tensor, forward: SSLForward) throws -> Tensor {
        seen = probabilities
        return try Functional.oneHot(try Tensor([Int64](repeating: 0, count: probabilities.shape[0])), numClasses: probabilities.shape[1]).to(.float32)
    }
}
