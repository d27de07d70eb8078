import Foundation
import Testing
@testable import TailKit
import Torch

/// DARP's solver and its unlabeled-distribution estimator: output sums by construction, the refined
/// table against numbers computed by the reference's own `DARP.estimate_pseudo` + `opt_solver`
/// (ytaek-oh/daso @ 3541a6c under torch 2.13.0 / scipy, `scripts/parity/darp_solver.py`; only the
/// numbers are committed), and the estimator on a 2-class case by hand.
@Suite struct SSLDARPTests {
    /// 12 unlabeled images, 3 classes: the table is softmax(value(3r + c)), value(k) = 2 sin(1.3k + 0.3) +
    /// cos(0.37k²) in float32, target counts (6, 4, 2).
    static func table() throws -> [Float] {
        let logits: [Float] = (0..<36).map { (k: Int) -> Float in
            let x = Double(k)
            return Float(2 * Foundation.sin(1.3 * x + 0.3) + Foundation.cos(0.37 * x * x))
        }
        return try Functional.softmax(try Tensor(logits, shape: [12, 3]), dim: 1).toArray(Float.self)
    }

    static let referenceRefined: [Double] = [0.30020835995674133, 0.6997908353805542, 8.058254366005713e-07, 0.08775757253170013, 0.44928115606307983, 0.46296125650405884, 0.9999983310699463, 8.327536988872453e-07, 8.327505724992079e-07, 0.04168770834803581, 0.4905347228050232, 0.4677775502204895, 0.55214524269104, 0.4478539228439331, 8.411908538619173e-07, 0.4287703335285187, 0.5712289214134216, 7.396764090117358e-07, 0.21588462591171265, 0.25044500827789307, 0.5336703658103943, 0.9999985098838806, 7.439605269610183e-07, 7.439580826940073e-07, 0.31877100467681885, 0.6812280416488647, 9.400326348441013e-07, 0.9999960660934448, 1.9754857021325734e-06, 1.9754681943595642e-06, 0.9999985098838806, 7.434250051119307e-07, 7.434225040015008e-07, 0.0547802597284317, 0.4096311032772064, 0.5355886220932007]

    @Test func refinedTableSumsToOnePerRowAndToTheTargetPerClass() throws {
        let target = [6.0, 4.0, 2.0]
        let refined = DARPSolver(alpha: 2, iterations: 10).refine(try Self.table(), rows: 12, classes: 3, target: target)
        try #require(refined.count == 36)
        for r in 0..<12 { #expect(Swift.abs(refined[(r * 3)..<(r * 3 + 3)].reduce(0, +) - 1) < 1e-9, "row \(r)") }
        for c in 0..<3 {
            let column = stride(from: c, to: 36, by: 3).reduce(0) { $0 + refined[$1] }
            #expect(Swift.abs(column - target[c]) < 1e-3, "class \(c) sums to \(column), target \(target[c])")
        }
    }

    @Test func refinedTableMatchesTheReference() throws {
        let refined = DARPSolver(alpha: 2, iterations: 10).refine(try Self.table(), rows: 12, classes: 3, target: [6, 4, 2])
        try #require(refined.count == Self.referenceRefined.count)
        for (i, (a, b)) in zip(refined, Self.referenceRefined).enumerated() {
            #expect(Swift.abs(a - b) < 2e-5, "entry \(i): \(a) vs the reference's \(b)")
        }
    }

    /// scipy's secant on f(x) = x² − 4 from 1 converges to 2 within its tolerance 0.1.
    @Test func secantFindsTheRoot() {
        #expect(Swift.abs(DARPSolver.secant(start: 1) { $0 * $0 - 4 } - 2) < 0.1)
    }

    /// Validation: class 0 predicted (0.8, 0.2), class 1 (0.3, 0.7), so P = [[0.8, 0.3], [0.2, 0.7]],
    /// P⁻¹ = [[1.4, −0.6], [−0.4, 1.6]]; unlabeled predictions sum to q̃ = (50, 50): q = (40, 60).
    @Test func unlabeledEstimateInvertsTheValidationConfusion() throws {
        let e = try UnlabeledDistributionEstimate(validation: [[0.8, 0.2], [0.3, 0.7]], labels: [0, 1],
                                                  unlabeled: Array(repeating: [0.5, 0.5], count: 100), classes: 2)
        try #require(e.counts.count == 2)
        #expect(Swift.abs(e.counts[0] - 40) < 1e-9 && Swift.abs(e.counts[1] - 60) < 1e-9)
        #expect(e.predicted == [50, 50])
        // numpy.linalg.cond(P) = 2.0265507158694724.
        #expect(Swift.abs(e.conditionNumber - 2.0265507158694724) < 1e-6 && e.accepted)
        #expect(throws: TailKitError.self) {
            try UnlabeledDistributionEstimate(validation: [[0.5, 0.5], [0.5, 0.5]], labels: [0, 1], unlabeled: [[0.5, 0.5]], classes: 2)
        }
    }

    /// Before the warm-up ends the pseudo-labels pass unchanged; afterwards every period-th call refines
    /// the table and the other calls return the last refinement.
    @Test func darpRefinesOnlyAfterItsWarmUp() throws {
        var config = DARPConfig()
        (config.warmupRatio, config.period) = (0.5, 2)
        let darp = DARPAddOn(config: config, unlabeledCount: 12, classes: 3, steps: 4, target: [6, 4, 2])
        let table = try Self.table(), p = try Tensor(table, shape: [12, 3])
        var forward = SSLForward(labeledLogits: p, labels: try Tensor([0]), step: 0)
        forward.unlabeledIndices = Array(0..<12)
        #expect(try darp.pseudoLabels(p, forward: forward).toArray(Float.self) == table)       // call 1
        #expect(try darp.pseudoLabels(p, forward: forward).toArray(Float.self) == table)       // call 2 = int(0.5 * 4)
        let uniform = try darp.pseudoLabels(p, forward: forward).toArray(Float.self)            // call 3: the initial (uniform) refinement
        #expect(uniform.allSatisfy { Swift.abs($0 - 1 / 3) < 1e-6 })
        let refined = try darp.pseudoLabels(p, forward: forward).toArray(Double.self)           // call 4: refines
        let want = DARPSolver().refine(table, rows: 12, classes: 3, target: [6, 4, 2])
        for (a, b) in zip(refined, want) { #expect(Swift.abs(a - b) < 1e-6) }
    }

    /// DARP_ESTIM's rule: while the target is unknown every estimate handed over is kept when accepted
    /// (once per call count), and at the end of the warm-up the target is the mean of the accepted ones,
    /// scaled to the unlabeled total. Estimates: A = (40, 60) and B = (20, 80) accepted (see above; B with
    /// P = I), C rejected (P = [[0.9, 0.2], [0.1, 0.8]], q̃ = (10, 90) gives q = (−14.3, 114.3)). The mean
    /// of A and B is (30, 70). With none accepted the target is C's predicted counts (10, 90).
    @Test func darpAveragesTheAcceptedEstimatesOfItsWarmUp() throws {
        let a = try UnlabeledDistributionEstimate(validation: [[0.8, 0.2], [0.3, 0.7]], labels: [0, 1],
                                                  unlabeled: Array(repeating: [0.5, 0.5], count: 100), classes: 2)
        let b = try UnlabeledDistributionEstimate(validation: [[1, 0], [0, 1]], labels: [0, 1],
                                                  unlabeled: Array(repeating: [0.2, 0.8], count: 100), classes: 2)
        let c = try UnlabeledDistributionEstimate(validation: [[0.9, 0.1], [0.2, 0.8]], labels: [0, 1],
                                                  unlabeled: Array(repeating: [0.1, 0.9], count: 100), classes: 2)
        try #require(a.accepted && b.accepted && !c.accepted && c.counts[0] < 0)
        var config = DARPConfig()
        (config.warmupRatio, config.period) = (0.5, 2)
        let darp = DARPAddOn(config: config, unlabeledCount: 100, classes: 2, steps: 4, target: nil)
        let p = try Tensor([Float(0.5), 0.5], shape: [1, 2])
        var forward = SSLForward(labeledLogits: p, labels: try Tensor([0]), step: 0)
        forward.unlabeledIndices = [0]
        #expect(darp.collectsUnlabeledEstimates && !darp.wantsUnlabeledEstimate)
        try darp.takeUnlabeledEstimate(a)
        try darp.takeUnlabeledEstimate(a)                           // the same call: not counted twice
        _ = try darp.pseudoLabels(p, forward: forward)              // call 1
        try darp.takeUnlabeledEstimate(b)
        #expect(darp.target == nil && darp.evaluationMetrics()["darp_estimates_accepted"] == 2)
        let resumed = DARPAddOn(config: config, unlabeledCount: 100, classes: 2, steps: 4, target: nil)
        try resumed.restore(try darp.stateTensors())
        for add in [darp, resumed] {
            _ = try add.pseudoLabels(p, forward: forward)           // call 2 = the warm-up's last
            #expect(add.wantsUnlabeledEstimate)
            try add.takeUnlabeledEstimate(c)
            let target = try #require(add.target)
            try #require(target.count == 2)
            #expect(Swift.abs(target[0] - 30) < 1e-9 && Swift.abs(target[1] - 70) < 1e-9, "\(target)")
            #expect(add.targetSource == "mean of 2 accepted estimates" && !add.collectsUnlabeledEstimates)
        }
        config.warmupRatio = 0
        let none = DARPAddOn(config: config, unlabeledCount: 100, classes: 2, steps: 4, target: nil)
        #expect(none.wantsUnlabeledEstimate)
        try none.takeUnlabeledEstimate(c)
        let fallback = try #require(none.target)
        try #require(fallback.count == 2)
        #expect(Swift.abs(fallback[0] - 10) < 1e-9 && Swift.abs(fallback[1] - 90) < 1e-9, "\(fallback)")
        #expect(none.targetSource.hasPrefix("no estimate accepted"))
    }
}
