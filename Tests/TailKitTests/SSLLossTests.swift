import Foundation
import Testing
@testable import TailKit
import Torch
import TorchNN

/// The pseudo-labelling rules and losses of `tailkit ssl` on small cases computed by hand.
@Suite struct SSLLossTests {
    private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-5) -> Bool { Swift.abs(a - b) <= tolerance * max(1, Swift.abs(b)) }

    @Test func fixMatchMaskKeepsConfidencesAtOrAboveTheThreshold() throws {
        let p = try Tensor([Float](arrayLiteral: 0.96, 0.04, 0.95, 0.05, 0.9499, 0.0501, 0.3, 0.7), shape: [4, 2])
        let (pseudo, mask, labels) = try FixMatchAlgorithm.pseudoLabels(p, threshold: 0.95)
        #expect(pseudo.labels == [0, 0, 0, 1])
        #expect(pseudo.mask == [true, true, false, false])
        #expect(try mask.toArray(Float.self) == [1, 1, 0, 0])
        #expect(try labels.toArray(Int.self) == [0, 0, 0, 1])
        #expect(pseudo.maskRatio == 0.5)
    }

    /// Labeled logits (0, 0) with label 1: CE = ln 2. Weak logits (4, 0) → softmax 0.982 ≥ 0.95, label 0;
    /// (0, 0) → 0.5, masked out. Strong (0, 0) against label 0 gives ln 2, the masked row adds nothing,
    /// and the sum is divided by all μB = 2 rows: L_u = ln 2 / 2.
    @Test func fixMatchLossesByHand() throws {
        let forward = SSLForward(labeledLogits: try Tensor([Float](arrayLiteral: 0, 0), shape: [1, 2]), labels: try Tensor([1]),
                                 weakLogits: try Tensor([Float](arrayLiteral: 4, 0, 0, 0), shape: [2, 2]),
                                 strongLogits: try Tensor([Float](arrayLiteral: 0, 0, 1, 0), shape: [2, 2]), step: 0)
        let losses = try FixMatchAlgorithm(threshold: 0.95, unlabeledWeight: 1).losses(forward, addOn: NoAddOn())
        try #require(losses.terms.count == 2)
        #expect(losses.terms.map(\.name) == ["loss_cls", "loss_cons"])
        #expect(close(try losses.terms[0].value.item(), Foundation.log(2)))
        #expect(close(try losses.terms[1].value.item(), Foundation.log(2) / 2))
        #expect(losses.pseudoLabels?.mask == [true, false])
        #expect(close(try losses.total().item(), 1.5 * Foundation.log(2)))
        // λ_u scales the unlabeled term only.
        let weighted = try FixMatchAlgorithm(threshold: 0.95, unlabeledWeight: 3).losses(forward, addOn: NoAddOn())
        #expect(close(try weighted.terms[1].value.item(), 1.5 * Foundation.log(2)))
    }

    /// Pseudo-Label on one view: unlabeled logits (4, 0) give label 0 at 0.982 ≥ 0.95, (0, 0) is masked;
    /// the loss is CE((4, 0), 0) = log(1 + e⁻⁴) over μB = 2, times the ramp r(5) = 5/10.
    @Test func pseudoLabelLossesByHand() throws {
        let base = PseudoLabelAlgorithm(threshold: 0.95, unlabeledWeight: 1, rampSteps: 10)
        #expect(base.ramp(at: 0) == 0 && base.ramp(at: 5) == 0.5 && base.ramp(at: 20) == 1)
        let unlabeled = try Tensor([Float](arrayLiteral: 4, 0, 0, 0), shape: [2, 2])
        let forward = SSLForward(labeledLogits: try Tensor([Float](arrayLiteral: 0, 0), shape: [1, 2]), labels: try Tensor([1]),
                                 weakLogits: unlabeled, strongLogits: unlabeled, step: 5)
        let losses = try base.losses(forward, addOn: NoAddOn())
        try #require(losses.terms.count == 2)
        #expect(losses.terms.map(\.name) == ["loss_cls", "loss_pl"])
        #expect(close(try losses.terms[0].value.item(), Foundation.log(2)))
        #expect(close(try losses.terms[1].value.item(), 0.5 * Foundation.log(1 + Foundation.exp(-4.0)) / 2))
        #expect(losses.pseudoLabels?.labels == [0, 0] && losses.pseudoLabels?.mask == [true, false])
    }

    /// Mean Teacher: student logits (0, 0), (ln 3, 0) give p = (0.5, 0.5), (0.75, 0.25); the teacher's
    /// (ln 3, 0) twice give q = (0.75, 0.25). MSE over the 4 elements = (0.25² + 0.25² + 0 + 0) / 4 = 0.03125,
    /// times λ_u r(5) = 50 · 5/10 → 0.78125. Gradient on the student's first row: ∂L/∂p = 25 · 2(p − q)/4 =
    /// (−3.125, 3.125), through softmax p_j (g_j − Σ p_k g_k) = (−1.5625, 1.5625); the second row (p = q) gets 0
    /// and the teacher none.
    @Test func meanTeacherLossesByHand() throws {
        let base = MeanTeacherAlgorithm(unlabeledWeight: 50, rampSteps: 10)
        #expect(base.ramp(at: 0) == 0 && base.ramp(at: 5) == 0.5 && base.ramp(at: 20) == 1)
        let ln3 = Float(Foundation.log(3.0))
        let student = try Tensor([Float](arrayLiteral: 0, 0, ln3, 0), shape: [2, 2]).requiringGrad()
        let teacher = try Tensor([Float](arrayLiteral: ln3, 0, ln3, 0), shape: [2, 2]).requiringGrad()
        let forward = SSLForward(labeledLogits: try Tensor([Float](arrayLiteral: 0, 0), shape: [1, 2]), labels: try Tensor([1]),
                                 weakLogits: student, teacherLogits: teacher, step: 5)
        let losses = try base.losses(forward, addOn: NoAddOn())
        try #require(losses.terms.count == 2)
        #expect(losses.terms.map(\.name) == ["loss_cls", "loss_cons"])
        #expect(close(try losses.terms[0].value.item(), Foundation.log(2)))
        #expect(close(try losses.terms[1].value.item(), 0.78125))
        #expect(losses.pseudoLabels == nil)
        try losses.terms[1].value.backward()
        let grad = try #require(student.grad).toArray(Float.self).map(Double.init)
        #expect(zip(grad, [-1.5625, 1.5625, 0, 0]).allSatisfy { close($0, $1) }, "\(grad)")
        #expect(teacher.grad == nil, "the teacher must get no gradient")
    }

    /// Mean Teacher's forward: the student sees [x_l; u₁], the EMA teacher u₂ (without gradient); it refuses
    /// to run without its teacher or with one unlabeled view.
    @Test func meanTeacherForwardsTheStudentAndTheTeacherOnTheirViews() throws {
        let make = { try Architecture.resnet20.make(numClasses: 3, inChannels: 1, normedClassifier: false) }
        let student = try make()
        let base = MeanTeacherAlgorithm(unlabeledWeight: 50, rampSteps: 10)
        let xl = try Tensor.randn([2, 1, 8, 8]), u1 = try Tensor.randn([4, 1, 8, 8]), u2 = try Tensor.randn([4, 1, 8, 8])
        do {
            _ = try base.forward(model: student, labeled: xl, labels: try Tensor([0, 1]), unlabeled: [u1, u2], step: 0)
            Issue.record("Mean Teacher ran without a teacher")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("EMA teacher"), "\(message)")
        }
        let ema = try EMAModel(copying: student, fresh: try make())
        base.useTeacher(ema)
        do {
            _ = try base.forward(model: student, labeled: xl, labels: try Tensor([0, 1]), unlabeled: [u1], step: 0)
            Issue.record("Mean Teacher ran with one unlabeled view")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("two unlabeled views"), "\(message)")
        }
        student.eval()
        ema.model.eval()
        let forward = try base.forward(model: student, labeled: xl, labels: try Tensor([0, 1]), unlabeled: [u1, u2], step: 3)
        let studentU = try #require(forward.weakLogits), teacherU = try #require(forward.teacherLogits)
        #expect(forward.labeledLogits.shape == [2, 3] && studentU.shape == [4, 3] && teacherU.shape == [4, 3])
        #expect(!teacherU.requiresGrad)
        // Same weights, eval mode: the teacher's logits are the model's on u₂, the student's on u₁.
        #expect(try (teacherU - student.forward(u2.channelsLast())).abs().max().item() < 1e-5)
        #expect(try (studentU - student.forward(u1.channelsLast())).abs().max().item() < 1e-5)
    }

    /// MixMatch's pieces by hand. Sharpen (0.6, 0.4) at T = 0.5: (0.36, 0.16) / 0.52. Interleave of three
    /// chunks of B = 4: groups (1, 1, 2) at offsets (0, 1, 2, 4), so row 1 of chunk 0 swaps with row 1 of
    /// chunk 1 and rows 2–3 of chunk 0 with rows 2–3 of chunk 2; twice is the identity. The Mixup draw of a
    /// step is the same each time, λ ≥ 0.5, and the permutation covers every row.
    @Test func mixMatchSharpenInterleaveAndMixupByHand() throws {
        let q = try MixMatchAlgorithm.sharpen(try Tensor([Float](arrayLiteral: 0.6, 0.4, 0.5, 0.5), shape: [2, 2]), temperature: 0.5)
        let sharpened = try q.toArray(Float.self).map(Double.init)
        #expect(zip(sharpened, [0.36 / 0.52, 0.16 / 0.52, 0.5, 0.5]).allSatisfy { close($0, $1) }, "\(sharpened)")
        #expect(MixMatchInterleave.offsets(batch: 4, chunks: 3) == [0, 1, 2, 4])
        #expect(MixMatchInterleave.offsets(batch: 4, chunks: 2) == [0, 2, 4])
        let chunks = try [0, 10, 20].map { base in try Tensor((0..<4).map { Float(base + $0) }, shape: [4, 1]) }
        let mixed = try MixMatchInterleave.apply(chunks, batch: 4)
        #expect(try mixed.map { try $0.toArray(Float.self) } == [[0, 11, 22, 23], [10, 1, 12, 13], [20, 21, 2, 3]])
        let back = try MixMatchInterleave.apply(mixed, batch: 4)
        #expect(try back.map { try $0.toArray(Float.self) } == [[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]])
        #expect(throws: TailKitError.self) { try MixMatchInterleave.apply([chunks[0], try Tensor.zeros([3, 1])], batch: 4) }
        let base = MixMatchAlgorithm(unlabeledWeight: 100, rampSteps: 10, seed: 7)
        let a = try base.mixupDraw(rows: 12, step: 3), b = try base.mixupDraw(rows: 12, step: 3)
        let pa = try a.permutation.toArray(Int.self), pb = try b.permutation.toArray(Int.self)
        #expect(a.lambda == b.lambda && pa == pb)
        #expect(a.lambda >= 0.5 && a.lambda <= 1)
        #expect(try a.permutation.toArray(Int.self).sorted() == Array(0..<12))
        let lambdas = try (0..<20).map { try base.mixupDraw(rows: 12, step: $0).lambda }
        #expect(Set(lambdas).count > 1, "every step drew the same λ")
    }

    /// MixMatch's losses: mixed labeled logits (ln 3, 0) against the mixed target (0.5, 0.5) give the soft CE
    /// −(0.5 log 0.75 + 0.5 log 0.25); mixed unlabeled logits (0, 0) against (1, 0) give the MSE
    /// ((0.5 − 1)² + 0.5²) / 2 = 0.25, times λ_u r(5) = 100 · 5/10 → 12.5.
    @Test func mixMatchLossesByHand() throws {
        let base = MixMatchAlgorithm(unlabeledWeight: 100, rampSteps: 10, seed: 0)
        #expect(base.ramp(at: 0) == 0 && base.ramp(at: 5) == 0.5 && base.ramp(at: 20) == 1)
        let ln3 = Float(Foundation.log(3.0))
        var forward = SSLForward(labeledLogits: try Tensor([Float](arrayLiteral: ln3, 0), shape: [1, 2]), labels: try Tensor([0]),
                                 weakLogits: try Tensor([Float](arrayLiteral: 0, 0), shape: [1, 2]), step: 5)
        forward.mixedTargets = try Tensor([Float](arrayLiteral: 0.5, 0.5, 1, 0), shape: [2, 2])
        let losses = try base.losses(forward, addOn: NoAddOn())
        try #require(losses.terms.count == 2)
        #expect(losses.terms.map(\.name) == ["loss_cls", "loss_cons"])
        #expect(close(try losses.terms[0].value.item(), -0.5 * (Foundation.log(0.75) + Foundation.log(0.25))))
        #expect(close(try losses.terms[1].value.item(), 12.5))
    }

    /// MixMatch's forward: labeled logits for B rows, unlabeled logits and mixed targets for the rest (each
    /// target row a distribution); two views are needed and 2·|u| must be a multiple of B.
    @Test func mixMatchForwardMixesAndChecksTheBatchSizes() throws {
        let model = try Architecture.resnet20.make(numClasses: 3, inChannels: 1, normedClassifier: false)
        let base = MixMatchAlgorithm(unlabeledWeight: 100, rampSteps: 10, seed: 1)
        let xl = try Tensor.randn([4, 1, 8, 8]), y = try Tensor([0, 1, 2, 0])
        let forward = try base.forward(model: model, labeled: xl, labels: y, unlabeled: [try Tensor.randn([2, 1, 8, 8]), try Tensor.randn([2, 1, 8, 8])], step: 0)
        #expect(forward.labeledLogits.shape == [4, 3] && forward.weakLogits?.shape == [4, 3])
        let targets = try #require(forward.mixedTargets)
        #expect(targets.shape == [8, 3])
        #expect(try (targets.sum(dim: 1) - 1.0).abs().max().item() < 1e-5)
        do {
            _ = try base.forward(model: model, labeled: xl, labels: y, unlabeled: [try Tensor.randn([3, 1, 8, 8]), try Tensor.randn([3, 1, 8, 8])], step: 0)
            Issue.record("MixMatch ran with 6 unlabeled images for a batch of 4")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("multiple"), "\(message)")
        }
        do {
            _ = try base.forward(model: model, labeled: xl, labels: y, unlabeled: [try Tensor.randn([2, 1, 8, 8])], step: 0)
            Issue.record("MixMatch ran with one unlabeled view")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("two unlabeled views"), "\(message)")
        }
    }

    /// π̂ = (0.5, 0.25, 0.25): T = 1 gives w = (1, 0.5, 0.5); T = 0.5 squares π̂ first:
    /// (0.25, 0.0625, 0.0625) / 0.375 → w = (1, 0.25, 0.25); T = 2 takes square roots: w = (1, 1/√2, 1/√2).
    @Test func dasoBlendWeightsByHand() throws {
        let pi = [0.5, 0.25, 0.25]
        let expected: [(Double, [Double])] = [(1, [1, 0.5, 0.5]), (0.5, [1, 0.25, 0.25]), (2, [1, 1 / 2.0.squareRoot(), 1 / 2.0.squareRoot()])]
        for (t, want) in expected {
            let w = try DASOAddOn.blendWeights(distribution: pi, temperature: t).toArray(Double.self)
            try #require(w.count == want.count)
            for (a, b) in zip(w, want) { #expect(close(a, b), "T = \(t): \(w)") }
        }
    }

    /// Prototypes e_0, e_1, e_2 (one labeled vector each); a weak feature along e_1 gives
    /// q = softmax(0, 20, 0) (cosines over T_proto 0.05). Linear p = (0.1, 0.8, 0.1) predicts class 1, whose
    /// weight is w_1 = 0.5 for π̂ = (0.5, 0.25, 0.25) at T = 1, so p̃ = 0.5 p + 0.5 q.
    @Test func dasoBlendsTheLinearAndTheSemanticPseudoLabel() throws {
        var config = DASOConfig()
        (config.pretrainSteps, config.distUpdatePeriod, config.distTemp) = (1, 1, 1)
        let daso = try DASOAddOn(config: config, classes: 3, totalSteps: 10)
        let eye = try Tensor.eye(3)
        try daso.beforeStep(SSLStepContext(labeledImages: eye, labels: try Tensor([0, 1, 2]), ema: IdentityEncoder(), step: 0))
        try daso.observe(PseudoLabelBatch(labels: [0, 0, 1, 2], confidences: [1, 1, 1, 1], mask: [true, true, true, true]), step: 0)
        #expect(daso.distribution.distribution == [0.5, 0.25, 0.25])
        let weak = try Tensor([Float](arrayLiteral: 0, 2, 0), shape: [1, 3])
        let forward = SSLForward(labeledLogits: eye, labels: try Tensor([0, 1, 2]), weakFeatures: weak, strongFeatures: weak, step: 1)
        let p = try Tensor([Float](arrayLiteral: 0.1, 0.8, 0.1), shape: [1, 3])
        let blended = try daso.pseudoLabels(p, forward: forward).toArray(Double.self)
        let e = Foundation.exp(-20.0), q = [e / (1 + 2 * e), 1 / (1 + 2 * e), e / (1 + 2 * e)]
        let want = zip([0.1, 0.8, 0.1], q).map { 0.5 * $0 + 0.5 * $1 }
        try #require(blended.count == 3)
        for (a, b) in zip(blended, want) { #expect(close(a, b)) }
        // The alignment loss: the strong feature equals the weak one, so it is the entropy of q.
        let align = try daso.extraLosses(forward)
        try #require(align.count == 1)
        #expect(align[0].name == "loss_align")
        #expect(close(try align[0].value.item(), -q.reduce(0) { $0 + $1 * Foundation.log($1) }, 1e-4))
        // Before the pre-training ends the linear pseudo-label passes unchanged and nothing is added.
        let early = SSLForward(labeledLogits: eye, labels: try Tensor([0, 1, 2]), weakFeatures: weak, strongFeatures: weak, step: 0)
        #expect(try daso.pseudoLabels(p, forward: early).toArray(Float.self) == [0.1, 0.8, 0.1])
        #expect(try daso.extraLosses(early).isEmpty)
    }

    @Test func prototypeQueueKeepsTheNewestVectorsPerClass() throws {
        var queue = try PrototypeQueue(classes: 2, dimension: 2, capacity: 2)
        try queue.enqueue(features: try Tensor([Float](arrayLiteral: 1, 0, 3, 0, 5, 2), shape: [3, 2]), labels: [0, 0, 0])
        #expect(queue.count(of: 0) == 2 && queue.count(of: 1) == 0)
        // Class 0 keeps (3, 0) and (5, 2): mean (4, 1); class 1 was never seen: zeros.
        #expect(try queue.prototypes().toArray(Float.self) == [4, 1, 0, 0])
        let state = try queue.stateTensors(prefix: "q")
        var back = try PrototypeQueue(classes: 2, dimension: 2, capacity: 2)
        try back.restore(state, prefix: "q")
        #expect(try back.prototypes().toArray(Float.self) == [4, 1, 0, 0])
    }

    @Test func pseudoLabelDistributionRefreshesEveryPeriodExceptAtTheEnd() {
        var dist = PseudoLabelDistribution(classes: 3, period: 2, totalSteps: 4)
        dist.record([0, 0], step: 0)
        #expect(!dist.isReady)
        dist.record([2, 1], step: 1)
        #expect(dist.distribution == [0.5, 0.25, 0.25])
        dist.record([1], step: 2)
        dist.record([1], step: 3)     // t + 1 = 4 = total: no refresh
        #expect(dist.distribution == [0.5, 0.25, 0.25] && dist.pending == [0, 2, 0])
    }

    /// Truth 0 0 1 1 2, pseudo-labels 0 1 1 1 1 (the last two below the threshold):
    /// precision (1/1, 2/4, −1), recall (1/2, 2/2, 0/1), mask ratio 3/5, accuracy 3/5, of the confident 2/3.
    @Test func pseudoLabelPrecisionRecallAndMaskRatio() throws {
        var stats = PseudoLabelStatistics(classes: 3)
        stats.add(PseudoLabelBatch(labels: [0, 1, 1, 1, 1], confidences: [1, 1, 1, 0.5, 0.5], mask: [true, true, true, false, false]),
                  truth: [0, 0, 1, 1, 2])
        #expect(stats.precision == [1, 0.5, -1])
        #expect(stats.recall == [0.5, 1, 0])
        let m = stats.metrics()
        #expect(m.scalars["mask_ratio"] == 60)
        #expect(m.scalars["pl_precision_1"] == 0.5 && m.scalars["pl_recall_0"] == 0.5 && m.scalars["pl_precision_2"] == -1)
        #expect(m.scalars["pl_accuracy"] == 60)        // rows 0, 2, 3 right
        #expect(Swift.abs((m.scalars["pl_masked_accuracy"] ?? 0) - 200.0 / 3) < 1e-9)
        #expect(try PseudoLabelStatistics(classes: 3, flattened: stats.flattened) == stats)
    }

    @Test func medianOfTheLastTwentyEvaluations() throws {
        var history = EvaluationHistory()
        #expect(history.median(\.top1) == nil)
        for i in 0..<25 { history.append(top1: Double(i), top1LA: Double(100 - i)) }
        // The last 20 are 5...24: median (14 + 15) / 2; adjusted 76...95: (85 + 86) / 2.
        #expect(history.median(\.top1) == 14.5)
        #expect(history.median(\.top1LA) == 85.5)
        var odd = EvaluationHistory(window: 3)
        for v in [9.0, 1, 5, 3] { odd.append(top1: v, top1LA: v) }
        #expect(odd.median(\.top1) == 3)
        #expect(try EvaluationHistory(flattened: history.flattened) == history)
    }

    @Test func emaDecayWarmsUpThenFollowsTheAverage() throws {
        let make = { try Architecture.resnet20.make(numClasses: 3, inChannels: 1, normedClassifier: false) }
        let source = try make()
        let ema = try EMAModel(copying: source, fresh: try make(), decay: 0.999)
        #expect(ema.decay(at: 0) == 0 && ema.decay(at: 1) == 0.5 && ema.decay(at: 5000) == 0.999)
        let before = try ema.model.parameters()[0].clone()
        let p = source.parameters()[0]
        try withNoGrad { try p.addInPlace(try Tensor.ones(p.shape)) }
        try ema.update(from: source, step: 1)      // d = 0.5: halfway to the moved weights
        let moved = try (ema.model.parameters()[0] - before).toArray(Float.self)
        #expect(moved.allSatisfy { Swift.abs($0 - 0.5) < 1e-6 })
        try ema.update(from: source, step: 0)      // d = 0: a copy
        #expect(try (ema.model.parameters()[0] - p).abs().max().item() == 0)
    }

    @Test func logitAdjustmentShiftsTheLabeledLogitsByTauLogPrior() throws {
        let la = try LogitAdjustmentAddOn(labeledCounts: [3, 1], tau: 2)
        let z = try la.labeledLogits(try Tensor([Float](arrayLiteral: 0, 0), shape: [1, 2])).toArray(Double.self)
        #expect(close(z[0], 2 * Foundation.log(0.75)) && close(z[1], 2 * Foundation.log(0.25)))
        // Post-hoc at evaluation: p = (0.6, 0.4) with π = (0.9, 0.1) ranks class 1 first (log 0.4 − log 0.1 > log 0.6 − log 0.9).
        #expect(SemiSupervisedTask.logitAdjustedTop1(probabilities: [[0.6, 0.4]], labels: [1], labeledCounts: [9, 1]) == 100)
        #expect(SemiSupervisedTask.logitAdjustedTop1(probabilities: [[0.6, 0.4]], labels: [0], labeledCounts: [1, 1]) == 100)
    }

    /// ABC's Bernoulli probabilities for labeled counts (100, 40, 10): b = n_min / n_c = (0.1, 0.25, 1).
    /// The unlabeled schedule b'_c = 1 − (⌊t/500⌋/500)(1 − b_c): 1 for t < 500; at t = 500 (e = 1)
    /// (1 − 0.9/500, 1 − 0.75/500, 1) = (0.9982, 0.9985, 1); at t = 125 000 (e = 250) (0.55, 0.625, 1);
    /// b itself from t = 250 000 on.
    @Test func abcBernoulliMaskProbabilitiesByHand() throws {
        let masks = try ABCBernoulliMask(labeledCounts: [100, 40, 10])
        #expect(zip(masks.probabilities, [0.1, 0.25, 1.0]).allSatisfy { close($0, $1, 1e-12) }, "\(masks.probabilities)")
        #expect(masks.scheduled(step: 0) == [1, 1, 1] && masks.scheduled(step: 499) == [1, 1, 1])
        #expect(zip(masks.scheduled(step: 500), [0.9982, 0.9985, 1.0]).allSatisfy { close($0, $1, 1e-12) }, "\(masks.scheduled(step: 500))")
        #expect(zip(masks.scheduled(step: 125_000), [0.55, 0.625, 1.0]).allSatisfy { close($0, $1, 1e-12) }, "\(masks.scheduled(step: 125_000))")
        #expect(zip(masks.scheduled(step: 250_000), masks.probabilities).allSatisfy { close($0, $1, 1e-12) })
        #expect(zip(masks.scheduled(step: 1_000_000), masks.probabilities).allSatisfy { close($0, $1, 1e-12) })
        do {
            _ = try ABCBernoulliMask(labeledCounts: [5, 0])
            Issue.record("a class without labeled images was accepted")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("ABC needs at least one labeled image of every class"), "\(message)")
        }
    }

    /// The draws: probability 0 never keeps, 1 always does; class 1 of (100, 40, 10) is kept about a
    /// quarter of the time; the same (seed, step) generator draws the same masks.
    @Test func abcBernoulliDrawsFollowTheProbabilitiesAndTheSeed() throws {
        let masks = try ABCBernoulliMask(labeledCounts: [100, 40, 10])
        let edge = try masks.draw(classes: [0, 1, 0, 1], probabilities: [0, 1, 0.5], generator: try TorchGenerator(seed: 3))
        #expect(edge == [0, 1, 0, 1])
        let n = 20_000
        let kept = try masks.draw(classes: Array(repeating: 1, count: n), probabilities: masks.probabilities, generator: try TorchGenerator(seed: 4))
        let share = Double(kept.reduce(0, +)) / Double(n)
        #expect(Swift.abs(share - 0.25) < 0.015, "kept \(share) of class 1, expected 0.25")
        let abc = try ABCAddOn(labeledCounts: [100, 40, 10], threshold: 0.95, emaDecay: 0.999, seed: 7)
        let classes = Array(repeating: 0, count: 64)
        let first = try masks.draw(classes: classes, probabilities: masks.probabilities, generator: try abc.generator(step: 11))
        let again = try masks.draw(classes: classes, probabilities: masks.probabilities, generator: try abc.generator(step: 11))
        let other = try masks.draw(classes: classes, probabilities: masks.probabilities, generator: try abc.generator(step: 12))
        #expect(first == again && first != other)
    }

    /// ABC's masked losses. Labeled logits (0, 0) with label 1 and (ln 3, 0) with label 0: CE = ln 2 and
    /// −ln 0.75; kept (1, 0) → ln 2 / B = ln 2 / 2, kept (0, 1) → −ln 0.75 / 2, kept (0, 0) → 0.
    /// Unlabeled weak logits (ln 3, 0) → p = (0.75, 0.25), confident at τ = 0.6; (0, 0) → 0.5, not.
    /// Strong logits (0, 0): −Σ p log softmax = ln 2 per row; kept (1, 1) → ln 2 / μB = ln 2 / 2 (the
    /// second row fails the threshold), kept (0, 1) → 0. Gradient of the first: (1/2)(softmax − p) =
    /// (1/2)(0.5 − 0.75, 0.5 − 0.25) = (−0.125, 0.125) on the confident row, 0 on the other.
    @Test func abcMaskedLossesByHand() throws {
        let logits = try Tensor([Float](arrayLiteral: 0, 0, Float(Foundation.log(3.0)), 0), shape: [2, 2])
        let labels = try Tensor([1, 0])
        func labeled(_ keep: [Float]) throws -> Double {
            try ABCAddOn.labeledLoss(logits: logits, labels: labels, keep: try Tensor(keep)).item()
        }
        #expect(close(try labeled([1, 0]), Foundation.log(2) / 2))
        #expect(close(try labeled([0, 1]), -Foundation.log(0.75) / 2))
        #expect(try labeled([0, 0]) == 0)
        let weak = try Tensor([Float](arrayLiteral: Float(Foundation.log(3.0)), 0, 0, 0), shape: [2, 2])
        let strong = try Tensor([Float](arrayLiteral: 0, 0, 0, 0), shape: [2, 2]).requiringGrad()
        let kept = try ABCAddOn.unlabeledLoss(weakLogits: weak, strongLogits: strong, threshold: 0.6, keep: try Tensor([Float](arrayLiteral: 1, 1)))
        #expect(close(try kept.item(), Foundation.log(2) / 2))
        try kept.backward()
        let grad = try #require(strong.grad).toArray(Float.self).map(Double.init)
        #expect(zip(grad, [-0.125, 0.125, 0, 0]).allSatisfy { close($0, $1) }, "\(grad)")
        let dropped = try ABCAddOn.unlabeledLoss(weakLogits: weak, strongLogits: strong, threshold: 0.6, keep: try Tensor([Float](arrayLiteral: 0, 1)))
        #expect(try dropped.item() == 0)
    }

    /// ABC's head on a 3-class ResNet-20 (64 features): attached, the EMA head starts equal to the trained
    /// one and only the trained one is handed to the optimizer; after a change to the trained head, step t = 1
    /// (d = min(1 − 1/2, 0.999) = 0.5) moves the EMA head halfway; evaluation scores emaHead(f(x)), not the
    /// backbone's own classifier.
    @Test func abcHeadFollowsByEMAAndScoresTheEvaluation() throws {
        let model = try Architecture.resnet20.make(numClasses: 3, inChannels: 1, normedClassifier: false)
        let abc = try ABCAddOn(labeledCounts: [100, 40, 10], threshold: 0.95, emaDecay: 0.999, seed: 0)
        try abc.attach(model: model, device: .cpu)
        let head = try #require(abc.head), emaHead = try #require(abc.emaHead)
        #expect(head.weight.shape == [3, 64])
        #expect(try (head.weight - emaHead.weight).abs().max().item() == 0)
        #expect(try head.bias.map { try $0.abs().max().item() } == 0)
        #expect(abc.trainableParameters.count == 2 && emaHead.trainableParameters().isEmpty)
        let before = try emaHead.weight.toArray(Float.self)
        try withNoGrad { try head.weight.addInPlace(try Tensor.ones([3, 64]), alpha: 2) }
        try abc.afterOptimizerStep(step: 1)
        let after = try emaHead.weight.toArray(Float.self)
        #expect(zip(before, after).allSatisfy { close(Double($1), Double($0) + 1) }, "the EMA head should move halfway to +2")
        model.eval()
        let x = try Tensor.rand([2, 1, 28, 28])
        let scored = try abc.evaluationModel(model).forwardWithFeatures(x).logits
        let expected = try emaHead(try model.features(x))
        #expect(try (scored - expected).abs().max().item() < 1e-6)
        #expect(try (scored - model.forwardWithFeatures(x).logits).abs().max().item() > 1e-4)
    }

    /// Distribution alignment with target π* = (0.75, 0.25) on the batch p = ((0.5, 0.5), (0.9, 0.1)):
    /// p̄ = (0.7, 0.3), ratios (15/14, 5/6); row 1 ∝ (15/28, 5/12) → (45/80, 35/80) = (0.5625, 0.4375),
    /// row 2 ∝ (27/28, 1/12) → (81/88, 7/88). Temperature 0.5 tempers π* to (√.75, √.25)/Σ =
    /// (0.633975, 0.366025). A window of 2 batches with means (0.7, 0.3), (0.5, 0.5), (0.3, 0.7) keeps the
    /// last two: p̄ = (0.4, 0.6).
    @Test func distributionAlignmentByHand() throws {
        var da = try DistributionAlignment(target: [0.75, 0.25])
        #expect(da.runningMean == nil)
        let p = try Tensor([Float](arrayLiteral: 0.5, 0.5, 0.9, 0.1), shape: [2, 2])
        let q = try da.align(p).toArray(Float.self).map(Double.init)
        #expect(zip(q, [0.5625, 0.4375, 81.0 / 88, 7.0 / 88]).allSatisfy { close($0, $1) }, "\(q)")
        #expect(zip(try #require(da.runningMean), [0.7, 0.3]).allSatisfy { close($0, $1) })
        let tempered = try DistributionAlignment(target: [3, 1], temperature: 0.5)
        #expect(zip(tempered.target, [0.633975, 0.366025]).allSatisfy { close($0, $1, 1e-5) }, "\(tempered.target)")
        var window = try DistributionAlignment(target: [0.5, 0.5], capacity: 2)
        for (a, b) in [(Float(0.7), Float(0.3)), (0.5, 0.5), (0.3, 0.7)] {
            _ = try window.align(try Tensor([a, b, a, b], shape: [2, 2]))
        }
        #expect(zip(try #require(window.runningMean), [0.4, 0.6]).allSatisfy { close($0, $1) }, "\(window.runningMean ?? [])")
        do {
            _ = try DistributionAlignment(target: [0, 0])
            Issue.record("an all-zero target was accepted")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("distribution alignment needs a target distribution"), "\(message)")
        }
    }

    /// ABC needs FixMatch's weak/strong views with their features; the other bases are refused with the reason.
    @Test func abcPairsWithFixMatchOnly() throws {
        try SSLConfig(algorithm: .fixmatch, imbalance: .abc).validate()
        for base in [SSLAlgorithmKind.supervised, .pseudolabel, .meanteacher, .mixmatch] {
            do {
                try SSLConfig(algorithm: base, imbalance: .abc).validate()
                Issue.record("\(base.rawValue) + abc was accepted")
            } catch let TailKitError.invalidOption(message) {
                #expect(message.contains("--imbalance abc cannot work with --algorithm \(base.rawValue)"), "\(message)")
                #expect(message.contains("features of a weak and a strong view") && message.contains("bases it works with: fixmatch"), "\(message)")
            }
        }
    }

    @Test func pairingRefusesAnAddOnTheBaseCannotServe() throws {
        let config = SSLConfig(algorithm: .supervised, imbalance: .daso)
        do {
            try config.validate()
            Issue.record("supervised + daso was accepted")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("--imbalance daso cannot work with --algorithm supervised"), "\(message)")
            #expect(message.contains("pseudo-labels") && message.contains("bases it works with: remixmatch, fixmatch"), "\(message)")
        }
        try SSLConfig(algorithm: .fixmatch, imbalance: .daso).validate()
        try SSLConfig(algorithm: .supervised, imbalance: .la).validate()
        try SSLConfig(algorithm: .fixmatch, imbalance: .la).validate()
        try SSLConfig(algorithm: .pseudolabel, imbalance: .darp).validate()
        #expect(throws: TailKitError.self) { try SSLConfig(algorithm: .pseudolabel, imbalance: .daso).validate() }
        #expect(throws: TailKitError.self) { try SSLConfig(algorithm: .supervised, imbalance: .darp).validate() }
        #expect(throws: TailKitError.self) { try SSLAlgorithmKind(parsing: "mixup") }
        try SSLConfig(algorithm: .meanteacher, imbalance: .none).validate()
        try SSLConfig(algorithm: .meanteacher, imbalance: .la).validate()
        try SSLConfig(algorithm: .mixmatch, imbalance: .none).validate()
        try SSLConfig(algorithm: .mixmatch, imbalance: .la).validate()
        for base in [SSLAlgorithmKind.meanteacher, .mixmatch] {
            for addOn in [ImbalanceAddOnKind.daso, .darp] {
                do {
                    try SSLConfig(algorithm: base, imbalance: addOn).validate()
                    Issue.record("\(base.rawValue) + \(addOn.rawValue) was accepted")
                } catch let TailKitError.invalidOption(message) {
                    #expect(message.contains("--imbalance \(addOn.rawValue) cannot work with --algorithm \(base.rawValue)"), "\(message)")
                    #expect(message.contains("pseudo-labels from a weak view") && message.contains("which \(base.rawValue) does not make"), "\(message)")
                }
            }
        }
    }

    /// Mean Teacher's λ_u is 50 unless given (DASO's MeanTeacher configs), in code and in config.yaml.
    @Test func meanTeacherUnlabeledWeightDefaultsTo50() throws {
        #expect(SSLConfig(algorithm: .meanteacher).unlabeledWeight == 50)
        #expect(SSLConfig(algorithm: .fixmatch).unlabeledWeight == 1)
        let decode = { (json: String) in try JSONDecoder().decode(SSLConfig.self, from: Data(json.utf8)) }
        #expect(try decode(#"{"algorithm": "meanteacher"}"#).unlabeledWeight == 50)
        #expect(try decode(#"{"algorithm": "meanteacher", "unlabeled-weight": 3}"#).unlabeledWeight == 3)
        #expect(try decode(#"{"algorithm": "pseudolabel"}"#).unlabeledWeight == 1)
    }

    /// MixMatch's λ_u is 100 and its ramp 1.6% of the steps unless given (DASO's MixMatch configs).
    @Test func mixMatchDefaultsAreDASOs() throws {
        let ssl = SSLConfig(algorithm: .mixmatch)
        #expect(ssl.unlabeledWeight == 100 && ssl.rampRatio == 0.016)
        #expect(SSLConfig(algorithm: .pseudolabel).rampRatio == 0.4)
        let decoded = try JSONDecoder().decode(SSLConfig.self, from: Data(#"{"algorithm": "mixmatch", "ramp-ratio": 0.5}"#.utf8))
        #expect(decoded.unlabeledWeight == 100 && decoded.rampRatio == 0.5)
    }
}

/// An "EMA encoder" whose features are its input (the parity and hand-computed cases feed features).
final class IdentityEncoder: ClassifierModelReference {
    func features(of x: Tensor) throws -> Tensor { x }
}
