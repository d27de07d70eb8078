import Foundation
import Testing
@testable import TailKit
import Torch

/// FixMatch's and DASO's losses against the reference's own code: the expected numbers were computed
/// by ytaek-oh/daso @ 3541a6c (`DASOModel.forward_train` with its FeatureQueue, DistributionLogger and
/// CrossEntropyLoss) under torch 2.13.0 on the small fixed batch below, by
/// `scripts/parity/daso_losses.py` (features in place of images: identity encoder and EMA encoder,
/// a Linear classifier with fixed weights). Only the numbers are committed. The reference calls the
/// alignment loss `loss_assign`; TailKit logs it as `loss_align`.
///
/// The batch: C = 4 classes, D = 6 feature dimensions, 8 labeled features (labels 0 1 2 3 0 1 2 3),
/// 6 weak and 6 strong unlabeled features; value(k) = 2 sin(1.3k + 0.3) + cos(0.37k²) rounded to
/// float32, labeled from k = 0, weak from 100, strong from 200, weight 1.5·value from 300, bias
/// 0.5·value from 400, row-major; π̂ from pseudo-label counts (40, 25, 20, 15).
@Suite struct SSLParityTests {
    static let (classes, dim) = (4, 6)

    static func value(_ k: Int) -> Double { 2 * Foundation.sin(1.3 * Double(k) + 0.3) + Foundation.cos(0.37 * Double(k * k)) }

    static func block(_ offset: Int, rows: Int, cols: Int, scale: Double = 1) throws -> Tensor {
        try Tensor((0..<(rows * cols)).map { Float(scale * value(offset + $0)) }, shape: [rows, cols])
    }

    struct Expected {
        var losses: [String: Double]
        var pseudoLabels: [Int]
        var confidences: [Double]
    }

    /// The forward pass the reference ran: logits = f Wᵀ + b of the given features.
    func forward(step: Int) throws -> SSLForward {
        let w = try Self.block(300, rows: Self.classes, cols: Self.dim, scale: 1.5), b = try Self.block(400, rows: 1, cols: Self.classes, scale: 0.5)
        let logits = { (f: Tensor) throws -> Tensor in try f.matmul(w.transpose(0, 1)) + b }
        let weak = try Self.block(100, rows: 6, cols: Self.dim), strong = try Self.block(200, rows: 6, cols: Self.dim)
        return SSLForward(labeledLogits: try logits(try Self.block(0, rows: 8, cols: Self.dim)), labels: try Tensor([0, 1, 2, 3, 0, 1, 2, 3]),
                          weakLogits: try logits(weak), strongLogits: try logits(strong), weakFeatures: weak, strongFeatures: strong, step: step)
    }

    /// DASO after one queue update with the labeled features and π̂ from the counts (40, 25, 20, 15).
    func daso(distTemp: Double) throws -> DASOAddOn {
        var config = DASOConfig()
        (config.pretrainSteps, config.distUpdatePeriod, config.distTemp) = (1, 1, distTemp)
        let daso = try DASOAddOn(config: config, classes: Self.classes, totalSteps: 10)
        try daso.beforeStep(SSLStepContext(labeledImages: try Self.block(0, rows: 8, cols: Self.dim), labels: try Tensor([0, 1, 2, 3, 0, 1, 2, 3]),
                                           ema: IdentityEncoder(), step: 0))
        let counts = [40, 25, 20, 15].enumerated().flatMap { Array(repeating: $0.offset, count: $0.element) }
        try daso.observe(PseudoLabelBatch(labels: counts, confidences: counts.map { _ in 1 }, mask: counts.map { _ in true }), step: 0)
        return daso
    }

    func check(_ losses: SSLLosses, _ expected: Expected, _ label: String) throws {
        let got = try Dictionary(uniqueKeysWithValues: losses.terms.map { ($0.name, try $0.value.item()) })
        try #require(got.count == expected.losses.count, "\(label): terms \(got.keys.sorted()) vs \(expected.losses.keys.sorted())")
        for (name, want) in expected.losses {
            let value = try #require(got[name], "\(label): no \(name)")
            #expect(Swift.abs(value - want) <= 2e-5 * max(1, Swift.abs(want)), "\(label) \(name): \(value) vs the reference's \(want)")
        }
        let pseudo = try #require(losses.pseudoLabels)
        try #require(pseudo.labels.count == expected.pseudoLabels.count && pseudo.confidences.count == expected.confidences.count)
        #expect(pseudo.labels == expected.pseudoLabels, "\(label) pseudo-labels")
        for (a, b) in zip(pseudo.confidences, expected.confidences) { #expect(Swift.abs(a - b) < 2e-6, "\(label) confidence \(a) vs \(b)") }
    }

    @Test func fixMatchLossesMatchTheReference() throws {
        let expected = Expected(losses: ["loss_cls": 0.09344508498907089, "loss_cons": 16.683244705200195],
                                pseudoLabels: [2, 3, 0, 1, 2, 3],
                                confidences: [0.9976111650466919, 0.9999947547912598, 0.9999688863754272, 0.9994063377380371,
                                              0.9939301013946533, 0.9999996423721313])
        let fixmatch = FixMatchAlgorithm(threshold: 0.95, unlabeledWeight: 1)
        try check(try fixmatch.losses(try forward(step: 0), addOn: NoAddOn()), expected, "FixMatch")
        // DASO during its pre-training is FixMatch itself.
        try check(try fixmatch.losses(try forward(step: 0), addOn: try daso(distTemp: 1.5)), expected, "DASO pre-training")
    }

    @Test(arguments: [(1.5, 0.95), (0.3, 0.95), (0.3, 0.5)])
    func dasoLossesMatchTheReference(_ distTemp: Double, _ threshold: Double) throws {
        let expected: Expected
        switch (distTemp, threshold) {
        case (1.5, _):
            expected = Expected(losses: ["loss_align": 25.258163452148438, "loss_cls": 0.09344508498907089, "loss_cons": 7.831462860107422],
                                pseudoLabels: [3, 0, 1, 1, 3, 3],
                                confidences: [0.6308066248893738, 0.5188737511634827, 0.9984821677207947, 0.7880446910858154,
                                              0.6322029829025269, 0.5944019556045532])
        default:
            expected = Expected(losses: ["loss_align": 25.258163452148438, "loss_cls": 0.09344508498907089,
                                         "loss_cons": threshold == 0.5 ? 20.02678108215332 : 11.876307487487793],
                                pseudoLabels: [2, 3, 1, 1, 2, 3],
                                confidences: [0.8986415266990662, 0.9620509743690491, 0.9984821677207947, 0.9390523433685303,
                                              0.8953202962875366, 0.9703391194343567])
        }
        let fixmatch = FixMatchAlgorithm(threshold: threshold, unlabeledWeight: 1)
        try check(try fixmatch.losses(try forward(step: 1), addOn: try daso(distTemp: distTemp)), expected, "DASO T_dist \(distTemp) tau \(threshold)")
    }
}
