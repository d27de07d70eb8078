import Foundation
import Testing
@testable import TailKit
import Torch
import TorchNN

/// MixMatch's, Mean Teacher's and FixMatch + ABC's losses against the reference's own `run_step`: the
/// expected numbers were computed by ytaek-oh/daso @ 3541a6c (`lib/algorithm/mixmatch.py`
/// `MixMatch.run_step`, `lib/algorithm/mean_teacher.py` `MeanTeacher.run_step`, `lib/algorithm/fm_abc.py`
/// `FixMatchABC.run_step`, its CrossEntropyLoss and MSELoss) under torch 2.13.0 by
/// `scripts/parity/consistency_losses.py` and `scripts/parity/abc_losses.py`; only the numbers are committed.
///
/// The batch and the network are `SSLReMixMatchTests`'s: B = 4 labeled 3×32×32 images (labels 0 1 2 0)
/// from value(k) at k = 0, the two unlabeled views from 20000 and 40000, `QuadrantNet` (quadrant-mean
/// features, Linear(12, 4) with weight 1.5·value from 80000 and bias 0.5·value from 80100). MixMatch:
/// α = 0.5, T = 0.5, λ_u = 100, λ = max(0.3, 0.7), permutation i → (5i + 3) mod 12. Mean Teacher: λ_u = 50,
/// teacher = the same network with weight from 81000 and bias from 81100. Both at step 1 of a 4-step ramp.
/// FixMatch + ABC: labels 0 1 2 3, the weak view from 20000, the strong one from 40000, threshold 0.5,
/// labeled counts (100, 40, 25, 10) (b = 0.1, 0.25, 0.4, 1), step 60000 (schedule epoch 120), ABC head
/// weight from 82000 and bias from 82100, Bernoulli uniforms (0.05, 0.5, 0.3, 0.9) for the labeled batch
/// and (0.2, 0.9, 0.8, 0.95) for the unlabeled one; the reference sums ABC's two losses into `loss_abc`.
@Suite struct SSLConsistencyParityTests {
    let images = { (offset: Int) throws -> Tensor in try SSLReMixMatchTests.block(offset, [4, 3, 32, 32]) }

    func check(_ losses: SSLLosses, _ expected: [String: Double], _ label: String) throws {
        try #require(losses.terms.count == expected.count, "\(label): terms \(losses.terms.map(\.name)) vs \(expected.keys.sorted())")
        for term in losses.terms {
            let want = try #require(expected[term.name], "\(label): unexpected \(term.name)")
            let value = try term.value.item()
            #expect(Swift.abs(value - want) <= 2e-5 * max(1, Swift.abs(want)), "\(label) \(term.name): \(value) vs the reference's \(want)")
        }
    }

    @Test func mixMatchLossesMatchTheReference() throws {
        let model = try QuadrantNet()
        let base = MixMatchAlgorithm(unlabeledWeight: 100, rampSteps: 4, alpha: 0.5, seed: 0)
        let forward = try base.forward(model: model, labeled: try images(0), labels: try Tensor([0, 1, 2, 0]),
                                       unlabeled: [try images(20000), try images(40000)], step: 1,
                                       lambda: 0.7, permutation: (0..<12).map { (5 * $0 + 3) % 12 })
        try check(try base.losses(forward, addOn: NoAddOn()), ["loss_cls": 2.016127347946167, "loss_cons": 0.6803624033927917], "MixMatch")
    }

    @Test func meanTeacherLossesMatchTheReference() throws {
        let student = try QuadrantNet()
        let base = MeanTeacherAlgorithm(unlabeledWeight: 50, rampSteps: 4)
        base.useTeacher(try EMAModel(copying: try QuadrantNet(weightAt: 81000, biasAt: 81100), fresh: try QuadrantNet()))
        let forward = try base.forward(model: student, labeled: try images(0), labels: try Tensor([0, 1, 2, 0]),
                                       unlabeled: [try images(20000), try images(40000)], step: 1)
        try check(try base.losses(forward, addOn: NoAddOn()), ["loss_cls": 2.2928450107574463, "loss_cons": 0.6240024566650391], "Mean Teacher")
    }

    @Test func fixMatchWithABCMatchesTheReference() throws {
        let model = try QuadrantNet()
        let fixmatch = FixMatchAlgorithm(threshold: 0.5, unlabeledWeight: 1)
        let abc = try ABCAddOn(labeledCounts: [100, 40, 25, 10], threshold: 0.5, emaDecay: 0.999, seed: 0)
        try abc.attach(model: model, device: .cpu)
        let head = try #require(abc.head)
        try withNoGrad {
            try head.weight.copy(from: try SSLReMixMatchTests.block(82000, [4, 12], scale: 1.5))
            try head.bias?.copy(from: try SSLReMixMatchTests.block(82100, [4], scale: 0.5))
        }
        let forward = try fixmatch.forward(model: model, labeled: try images(0), labels: try Tensor([0, 1, 2, 3]),
                                           unlabeled: [try images(20000), try images(40000)], step: 60000)
        try check(try fixmatch.losses(forward, addOn: NoAddOn()), ["loss_cls": 1.9402587413787842, "loss_cons": 0.5088720321655273],
                  "FixMatch (ABC's base)")
        var draws = [[0.05, 0.5, 0.3, 0.9], [0.2, 0.9, 0.8, 0.95]].makeIterator()
        let extra = try abc.extraLosses(forward) { n in
            guard let u = draws.next(), u.count == n else { throw TailKitError.invalidOption("unexpected draw of \(n)") }
            return u
        }
        try #require(extra.map(\.name) == ["loss_abc_cls", "loss_abc_cons"])
        let parts = try extra.map { try $0.value.item() }
        #expect(parts[1] > 0, "ABC's unlabeled loss should count at least one sample here: \(parts)")
        #expect(Swift.abs(parts[0] + parts[1] - 1.8938608169555664) <= 2e-5 * 1.9, "ABC: \(parts) vs the reference's sum 1.8938608169555664")
    }
}
