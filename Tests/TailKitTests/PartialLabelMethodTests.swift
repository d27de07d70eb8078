import Foundation
import Testing
@testable import TailKit
import TailData
import Torch
import TorchNN

/// The partial-label losses and updates against values that RECORDS-LTPLL's own functions
/// (`utils/utils_loss.py` `CORR_loss`, `CORR_loss_RECORDS`, `CORR_loss_RECORDS_mixup`;
/// `utils_solar/general.py` `sinkhorn`) computed on this fixed batch with torch 2.13 (the numbers only;
/// the inputs are the formulas below, evaluated identically on both sides), and on small cases worked
/// out by hand.
@Suite struct PartialLabelMethodTests {
    static let b = 4, c = 5, f = 512

    /// Logits sin(s + 1.3 i + 0.7 j) · 2.5, as the reference run computed them.
    static func logits(_ rows: Int, _ cols: Int, _ s: Double) throws -> Tensor {
        try Tensor(grid(rows, cols) { i, j in sin(s + 1.3 * i + 0.7 * j) * 2.5 }, shape: [rows, cols])
    }

    /// value(i, j) for i < rows, j < cols, row-major, as Float.
    static func grid(_ rows: Int, _ cols: Int, _ value: (Double, Double) -> Double) -> [Float] {
        var out: [Float] = []
        for i in 0..<rows {
            for j in 0..<cols { out.append(Float(value(Double(i), Double(j)))) }
        }
        return out
    }

    static let mask: [Float] = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1]

    /// Uniform over each candidate set, except row 0, whose support has shrunk from {0, 1, 4} to {0, 1}
    /// (0.7, 0.3), and row 2 (0.5, 0.2, 0.3 on {0, 2, 3}).
    static var confidence: [Float] {
        var w = uniform
        w.replaceSubrange(10..<15, with: [0.5, 0, 0.2, 0.3, 0])
        w.replaceSubrange(0..<5, with: [0.7, 0.3, 0, 0, 0])
        return w
    }

    static var uniform: [Float] {
        var w = [Float](repeating: 0, count: b * c)
        for i in 0..<b {
            let row = mask[(i * c)..<((i + 1) * c)], n = row.reduce(0, +)
            for j in 0..<c { w[i * c + j] = row[row.startIndex + j] / n }
        }
        return w
    }

    static func expectClose(_ a: [Float], _ b: [Double], tolerance: Double, _ what: String) {
        #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
        guard a.count == b.count else { return }
        for (i, (x, y)) in zip(a, b).enumerated() {
            #expect(abs(Double(x) - y) <= tolerance, "\(what)[\(i)]: \(x) vs reference \(y)")
        }
    }

    @Test func corrLossAndUpdateMatchTheReference() throws {
        let zw = try Self.logits(Self.b, Self.c, 0), zs = try Self.logits(Self.b, Self.c, 1)
        let loss = try CORRLoss.loss(weakLogits: zw, strongLogits: zs, targets: Self.confidence).item()
        #expect(abs(loss - 3.629453182220459) < 1e-5, "CORR loss \(loss)")
        let pw = try Functional.softmax(zw, dim: 1).toArray(Float.self), ps = try Functional.softmax(zs, dim: 1).toArray(Float.self)
        let updated = CORRLoss.updatedConfidence(weak: pw, strong: ps, mask: Self.confidence, classes: Self.c)
        Self.expectClose(updated, [0.27031710743904114, 0.7296828627586365, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.8075584769248962, 0.0, 0.086326003074646, 0.10611552000045776, 0.0, 0.015644526109099388, 0.016555150970816612, 0.045539382845163345, 0.20232154428958893, 0.7199394106864929], tolerance: 1e-6, "CORR update")
    }

    /// A ResNet-18 whose classifier holds the reference run's fc: W[j][k] = sin(0.003 k (j + 1)) · 0.1, b_j = 0.1 j − 0.2.
    static func modelWithReferenceHead() throws -> ResNet18CIFAR {
        let model = try ResNet18CIFAR(numClasses: c, inChannels: 1)
        let w = grid(c, f) { j, k in sin(0.003 * k * (j + 1)) * 0.1 }
        let bias = grid(1, c) { _, j in 0.1 * j - 0.2 }
        try model.classifier.loadStateDict([("weight", try Tensor(w, shape: [c, f])), ("bias", try Tensor(bias))], strict: true)
        return model
    }

    static func features(_ scale: Double, _ sign: Double) throws -> Tensor {
        try Tensor(grid(b, f) { i, k in cos(scale * k + sign * i) }, shape: [b, f])
    }

    @Test func recordsPriorUpdateAndLossMatchTheReference() throws {
        let zw = try Self.logits(Self.b, Self.c, 0), zs = try Self.logits(Self.b, Self.c, 1)
        var mean = FeatureMean(momentum: 0.9)
        try mean.update(weak: try Self.features(0.01, 1), strong: try Self.features(0.02, -1))
        let mu = try #require(mean.value)
        Self.expectClose(try mu.narrow(dim: 0, start: 0, length: 4).toArray(Float.self),
                         [0.0033540725708007812, 0.003590114414691925, 0.003825150430202484, 0.004059016704559326], tolerance: 1e-7, "feature mean")
        let model = try Self.modelWithReferenceHead()
        let logPrior = try RECORDSDebiasing.logPrior(model: model, featureMean: mu)
        Self.expectClose(try logPrior.toArray(Float.self), [-1.44412362575531, -1.685213565826416, -2.0945262908935547, -1.9451234340667725, -1.1630090475082397], tolerance: 1e-5, "log prior")
        let updated = try RECORDSDebiasing.updatedConfidence(weakLogits: zw, strongLogits: zs, logPrior: logPrior, originalMask: Self.mask)
        // The update runs on the original candidate mask (the reference's init_confidence > 0).
        Self.expectClose(updated, [0.21636347472667694, 0.7432733178138733, 0.0, 0.0, 0.04036322608590126, 0.0, 1.0, 0.0, 0.0, 0.0, 0.7033770680427551, 0.0, 0.14408613741397858, 0.1525367945432663, 0.0, 0.015622671693563461, 0.021039245650172234, 0.08714578300714493, 0.3334391117095947, 0.5427531599998474], tolerance: 1e-6, "RECORDS update")
        // RECORDS' loss value is CORR's.
        let loss = try CORRLoss.loss(weakLogits: zw, strongLogits: zs, targets: Self.confidence).item()
        #expect(abs(loss - 3.629453182220459) < 1e-5)
    }

    @Test func recordsMixupLossMatchesTheReference() throws {
        let zw = try Self.logits(Self.b, Self.c, 0), zs = try Self.logits(Self.b, Self.c, 1)
        let zwm = try Self.logits(Self.b, Self.c, 2), zsm = try Self.logits(Self.b, Self.c, 3)
        // Mixed targets 0.7 W + 0.3 W_π with π = (2, 0, 3, 1).
        let draw = MixupDraw(lambda: 0.7, permutation: [2, 0, 3, 1])
        let pmix = draw.mix(rows: Self.confidence, classes: Self.c)
        Self.expectClose(pmix, [0.6399999856948853, 0.21000000834465027, 0.06000000238418579, 0.09000000357627869, 0.0, 0.21000000834465027, 0.7899999618530273, 0.0, 0.0, 0.0, 0.4099999964237213, 0.06000000238418579, 0.20000000298023224, 0.27000001072883606, 0.06000000238418579, 0.14000000059604645, 0.4399999976158142, 0.14000000059604645, 0.14000000059604645, 0.14000000059604645], tolerance: 1e-6, "mixed targets")
        let loss = try (CORRLoss.loss(weakLogits: zw, strongLogits: zs, targets: Self.confidence)
            + CORRLoss.loss(weakLogits: zwm, strongLogits: zsm, targets: pmix) * 1.0).item()
        #expect(abs(loss - 6.8421783447265625) < 1e-5, "RECORDS + Mixup loss \(loss)")
    }

    @Test func sinkhornMatchesTheReference() throws {
        let q = try Tensor([0.13673627376556396, 0.4239383041858673, 0.0, 0.0, 0.26669809222221375, 0.05162477120757103, 0.785248875617981, 0.0, 0.06144999340176582, 0.1836438924074173, 0.19587308168411255, 0.6204830408096313, 0.0, 0.0, 0.7954779267311096, 0.20294101536273956, 0.4644572138786316, 0.0].map { Float($0) }, shape: [6, 3])
        let out = try Sinkhorn.refine(q, prior: [0.5, 0.3, 0.2], lambda: 3)
        Self.expectClose(try out.toArray(Float.self), [0.5086607933044434, 0.4913392663002014, 0.0, 0.0, 0.998508632183075, 0.0014913843479007483, 0.9999967813491821, 0.0, 3.1986128306016326e-06, 0.7711472511291504, 0.03032693825662136, 0.19852587580680847, 0.0, 0.0, 0.9999999403953552, 0.7201862931251526, 0.2798137068748474, 0.0], tolerance: 2e-5, "Sinkhorn")
    }

    @Test func sinkhornRowsAndColumnsMeetTheirTargets() throws {
        var rng = SeededGenerator(seed: 3)
        let n = 64, prior = [0.4, 0.3, 0.2, 0.1]
        let q = try Tensor((0..<(n * 4)).map { _ in Float(0.05 + rng.uniform()) }, shape: [n, 4])
        let out = try Sinkhorn.refine(q, prior: prior, lambda: 3)
        try #require(out.shape == [n, 4])
        for row in try out.sum(dim: 1).toArray(Double.self) { #expect(abs(row - 1) < 1e-3, "row sum \(row)") }
        for (j, col) in try out.sum(dim: 0).toArray(Double.self).enumerated() {
            #expect(abs(col - Double(n) * prior[j]) < 1e-2 * Double(n), "class \(j) mass \(col), target \(Double(n) * prior[j])")
        }
    }

    @Test func sinkhornOnAZeroRowGivesTheRelaxedSolution() throws {
        let q = try Tensor([0.6, 0.4, 0, 0, 0.5, 0.5] as [Float], shape: [3, 2])
        let out = try Sinkhorn.refine(q, prior: [0.5, 0.5], lambda: 3).toArray(Float.self)
        try #require(out.count == 6)
        #expect(out.allSatisfy { $0.isFinite })
        #expect(out[2] == 0 && out[3] == 0, "a zero row stays zero")
    }

    /// p^w = (0.5, 0.3, 0.2), p^s = (0.2, 0.6, 0.2), candidates {0, 1}: r = (√0.10, √0.18, 0),
    /// W = r / Σr = (0.42705, 0.57295, 0).
    @Test func corrUpdateByHand() {
        let w = CORRLoss.updatedConfidence(weak: [0.5, 0.3, 0.2], strong: [0.2, 0.6, 0.2], mask: [1, 1, 0], classes: 3)
        Self.expectClose(w, [0.42705, 0.57295, 0], tolerance: 1e-5, "CORR update")
    }

    /// Two updates with m = 0.5 from μ unset: μ = 0.5·g₁, then 0.5·μ + 0.5·g₂; with g₁ = (2, 0), g₂ = (0, 4):
    /// μ = (0.5, 2). A head fc = identity, no bias: π̂ = softmax(0.5, 2) = (0.18243, 0.81757).
    @Test func recordsPriorByHand() throws {
        var mean = FeatureMean(momentum: 0.5)
        try mean.update(weak: try Tensor([2, 0] as [Float], shape: [1, 2]), strong: try Tensor([2, 0] as [Float], shape: [1, 2]))
        try mean.update(weak: try Tensor([0, 4] as [Float], shape: [1, 2]), strong: try Tensor([0, 4] as [Float], shape: [1, 2]))
        let mu = try #require(mean.value)
        Self.expectClose(try mu.toArray(Float.self), [0.5, 2], tolerance: 1e-6, "feature mean")
        let head = try Linear(2, 2, bias: false)
        try head.loadStateDict([("weight", try Tensor([1, 0, 0, 1] as [Float], shape: [2, 2]))], strict: true)
        let prior = try Functional.softmax(head(mu.unsqueeze(0)), dim: 1).toArray(Float.self)
        Self.expectClose(prior, [0.18243, 0.81757], tolerance: 1e-5, "prior")
        // Equal logits with the prior divided out: q ∝ 1/π̂ = (0.81757, 0.18243) for both views; r = q², normalised,
        // then its square root normalised gives q back.
        let logPrior = try Tensor(prior.map { log($0 + 1e-9) }, shape: [1, 2])
        let z = try Tensor([0, 0] as [Float], shape: [1, 2])
        let w = try RECORDSDebiasing.updatedConfidence(weakLogits: z, strongLogits: z, logPrior: logPrior, originalMask: [1, 1])
        Self.expectClose(w, [0.81757, 0.18243], tolerance: 1e-4, "debiased update")
    }

    @Test func solarSelectionTakesSmallLossesPerClassAndConfidentSamples() {
        // 6 samples: classes (0, 0, 0, 1, 1, 2); prior (0.5, 0.3, 0.2); B = 6, rho = 0.5:
        // k_0 = ceil(1.5) = 2, k_1 = ceil(0.9) = 1, k_2 = max(min(ceil(0.6), 1), 1) = 1.
        let chosen = SoLarSelection.select(pseudoLabels: [0, 0, 0, 1, 1, 2], pseudoLosses: [0.9, 0.1, 0.5, 0.7, 0.2, 3.0],
                                           agreement: [0.995, 0, 0, 0, 0, 0], prior: [0.5, 0.3, 0.2], batchSize: 6, rho: 0.5, tau: 0.99)
        #expect(chosen == [0, 1, 2, 4, 5])
        #expect(SoLarSelection.ramp(start: 0.2, end: 0.8, epoch: 25, warmupEpochs: 50) == 0.5)
        #expect(SoLarSelection.ramp(start: 0.2, end: 0.8, epoch: 80, warmupEpochs: 50) == 0.8)
    }

    @Test func mixupDrawKeepsTheOriginalDominantAndIsSeeded() {
        var a = SeededGenerator(seed: 9).fork(4), b = SeededGenerator(seed: 9).fork(4)
        var lambdas: [Double] = []
        for _ in 0..<2000 {
            let x = MixupDraw(count: 8, using: &a), y = MixupDraw(count: 8, using: &b)
            #expect(x == y)
            #expect(x.permutation.sorted() == Array(0..<8))
            lambdas.append(x.lambda)
        }
        #expect(lambdas.allSatisfy { $0 >= 0.5 && $0 < 1 })
        // E[max(L, 1 − L)] for L ~ Beta(4, 4) is 0.6367 (= 0.5 + E|L − 0.5|).
        let mean = lambdas.reduce(0, +) / Double(lambdas.count)
        #expect(abs(mean - 0.6367) < 0.01, "mean λ \(mean)")
    }

    @Test func confidenceTableStartsUniformOverCandidates() throws {
        let sets = CandidateLabels(classes: 3, mask: [1, 1, 0, 0, 0, 1, 1, 1, 1])
        let table = ConfidenceTable(candidates: sets)
        Self.expectClose(table.values, [0.5, 0.5, 0, 0, 0, 1, 1.0 / 3, 1.0 / 3, 1.0 / 3], tolerance: 1e-7, "initial confidence")
        #expect(table.plausibleSetSize() == 2)
        // Row 1 is resolved to class 2; rows 0 and 2 are ties, which do not count.
        #expect(table.disambiguationAccuracy(labels: [0, 2, 1]) == 100 / 3.0)
        let resolved = try ConfidenceTable(classes: 3, values: [0.6, 0.4, 0, 0, 0, 1, 0.2, 0.5, 0.3])
        #expect(resolved.disambiguationAccuracy(labels: [0, 2, 1]) == 100)
        #expect(resolved.disambiguationAccuracy(labels: [1, 2, 1]) == 100 * 2 / 3.0)
    }
}
