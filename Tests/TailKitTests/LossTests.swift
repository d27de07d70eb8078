import Foundation
import Testing
@testable import TailKit
import Torch

@Suite struct LossTests {
    @Test func classBalancedWeightsFollowTheEffectiveNumber() {
        let counts = [5000, 500, 50]
        let w = classBalancedWeights(counts: counts, beta: 0.9999)
        #expect(Swift.abs(w.reduce(0, +) - 3) < 1e-12)
        let raw = counts.map { (1 - 0.9999) / (1 - Foundation.pow(0.9999, Double($0))) }
        let scale = 3 / raw.reduce(0, +)
        for (a, b) in zip(w, raw) { #expect(Swift.abs(a - b * scale) < 1e-12) }
        #expect(w[2] > w[1] && w[1] > w[0])
        #expect(classBalancedWeights(counts: counts, beta: 0) == [1, 1, 1])
    }

    @Test func drwSwitchesOnAtEightyPercent() {
        let counts = [100, 10]
        #expect(TrainRule.drw.classWeights(epoch: 159, totalEpochs: 200, classCounts: counts) == nil)
        #expect(TrainRule.drw.classWeights(epoch: 160, totalEpochs: 200, classCounts: counts) != nil)
        #expect(TrainRule.drwStartEpoch(totalEpochs: 30) == 24)
        #expect(TrainRule.reweight.classWeights(epoch: 0, totalEpochs: 200, classCounts: counts) != nil)
        #expect(TrainRule.none.classWeights(epoch: 199, totalEpochs: 200, classCounts: counts) == nil)
    }

    @Test func ldamMarginsAndLoss() throws {
        let loss = try LDAMLoss(classCounts: [10000, 625, 16])
        // n^-1/4 = 0.1, 0.2, 0.5 -> scaled so the largest is 0.5.
        let want = [0.1, 0.2, 0.5]
        for (a, b) in zip(loss.margins, want) { #expect(Swift.abs(a - b) < 1e-12) }
        let logits = try Tensor([0.5, 0.2, -0.1, 0.1, 0.3, 0.9] as [Double], shape: [2, 3])
        let labels = try Tensor([0, 2] as [Int])
        let value = try loss(logits, labels, classWeights: nil).item()
        func ce(_ z: [Double], _ y: Int) -> Double {
            let total: Double = z.map { (v: Double) -> Double in Foundation.exp(v) }.reduce(0, +)
            return Foundation.log(total) - z[y]
        }
        let first: Double = ce([12, 6, -3], 0)
        let second: Double = ce([3, 9, 12], 2)
        let expected: Double = (first + second) / 2
        #expect(Swift.abs(value - expected) < 1e-9)
        #expect(throws: TailKitError.self) { try LDAMLoss(classCounts: [3, 0]) }
    }

    @Test func focalLossMatchesTheReferenceFormula() throws {
        let logits = try Tensor([2, 0, 0, 1] as [Double], shape: [2, 2])
        let labels = try Tensor([0, 0] as [Int])
        let value = try FocalLoss(gamma: 1)(logits, labels, classWeights: nil).item()
        let e2: Double = Foundation.exp(2.0), e1: Double = Foundation.exp(1.0)
        let l0: Double = Foundation.log(e2 + 1) - 2
        let l1: Double = Foundation.log(1 + e1)
        let f0: Double = (1 - Foundation.exp(-l0)) * l0
        let f1: Double = (1 - Foundation.exp(-l1)) * l1
        let expected: Double = (f0 + f1) / 2
        #expect(Swift.abs(value - expected) < 1e-12)
    }

    @Test func logitAdjustmentShiftsByTheLogPrior() throws {
        let offsets = logPriorOffsets(classCounts: [75, 25], tau: 1)
        #expect(Swift.abs(offsets[0] - Foundation.log(0.75)) < 1e-12 && Swift.abs(offsets[1] - Foundation.log(0.25)) < 1e-12)
        let logits = try Tensor([0, 0] as [Double], shape: [1, 2])
        let la = try LogitAdjustedLoss(classCounts: [75, 25], tau: 1)(logits, Tensor([1] as [Int]), classWeights: nil).item()
        #expect(Swift.abs(la - -Foundation.log(0.25)) < 1e-6)
    }

    @Test func unknownNamesListTheValidOnes() {
        #expect(throws: TailKitError.invalidOption("unknown loss 'hinge'; valid losses: ce, focal, ldam, la, bs")) {
            try LossKind(parsing: "hinge")
        }
        #expect(throws: TailKitError.invalidOption("unknown rule 'oversample'; valid rules: none, resample, reweight, drw")) {
            try TrainRule(parsing: "oversample")
        }
        #expect(throws: TailKitError.self) { try Architecture(parsing: "vgg") }
        do { _ = try DatasetName(parsing: "imagenet21k") } catch { #expect("\(error)".contains("fmnist, mnist, cifar10")) }
    }
}
