import Foundation
import Testing
@testable import TailKit
import TailData
import Torch

/// CReST's arithmetic on hand-made numbers: inclusion rates, the mirrored frequency rank, the
/// per-class top-confidence selection with int() truncation, CReST+'s temperature schedule, the
/// tempered distribution alignment, the stage plans and the settings' checks.
@Suite struct SSLCReSTTests {
    private func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-9) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }
    }

    @Test func inclusionRatesAreTheCountRatioToTheOneOverAlpha() {
        // (27/27)^(1/3), (8/27)^(1/3), (1/27)^(1/3)
        let rates = CReSTSelection.inclusionRates(labeledCounts: [27, 8, 1], alpha: 3)
        #expect(close(rates, [1, 2.0 / 3, 1.0 / 3]), "\(rates)")
        #expect(close(CReSTSelection.inclusionRates(labeledCounts: [100, 25], alpha: 2), [1, 0.5]))
    }

    @Test func eachClassTakesTheRateOfTheClassAtTheMirroredFrequencyRank() {
        // Index order = frequency order: class i takes class C-1-i's rate, as the reference.
        let sorted = CReSTSelection.mirroredRates([1, 2.0 / 3, 1.0 / 3], labeledCounts: [27, 8, 1])
        #expect(close(sorted, [1.0 / 3, 2.0 / 3, 1]), "\(sorted)")
        // Class 1 is the head, class 2 the tail: class 1 takes class 2's rate, class 2 class 1's,
        // class 0 (the middle rank) its own, where C-1-i would give [1/3, 1, 2/3].
        let counts = [8, 27, 1]
        let shuffled = CReSTSelection.mirroredRates(CReSTSelection.inclusionRates(labeledCounts: counts, alpha: 3), labeledCounts: counts)
        #expect(close(shuffled, [2.0 / 3, 1.0 / 3, 1]), "\(shuffled)")
    }

    @Test func selectionKeepsTheMostConfidentTruncatedShareOfEachPredictedClass() throws {
        let rows: [[Double]] = [
            [0.9, 0.05, 0.05],  // 0: class 0, 0.9
            [0.6, 0.3, 0.1],    // 1: class 0, 0.6
            [0.7, 0.2, 0.1],    // 2: class 0, 0.7
            [0.2, 0.7, 0.1],    // 3: class 1, 0.7
            [0.1, 0.1, 0.8],    // 4: class 2, 0.8
            [0.8, 0.1, 0.1],    // 5: class 0, 0.8
            [0.3, 0.3, 0.4],    // 6: class 2, 0.4
            [0.2, 0.2, 0.6],    // 7: class 2, 0.6
            [0.45, 0.45, 0.1],  // 8: a tie goes to the first class: class 0, 0.45
        ]
        // class 0: int(0.5 * 5) = 2 -> images 0, 5; class 1: int(1.0 * 1) = 1 -> 3;
        // class 2: int(0.66 * 3) = int(1.98) = 1 -> 4 (truncated, not rounded to 2).
        let picked = CReSTSelection.select(probabilities: rows, rates: [0.5, 1.0, 0.66])
        try #require(picked.count == 4, "\(picked)")
        #expect(picked.map(\.index) == [0, 5, 3, 4])
        #expect(picked.map(\.label) == [0, 0, 1, 2])
        #expect(CReSTSelection.select(probabilities: rows, rates: [0.1, 0.5, 0.3]).isEmpty, "int(0.5), int(0.5), int(0.9) are 0")
    }

    @Test func progressiveTemperatureFallsFromOneToTMinOverTheGenerations() {
        let t = (1...5).map { CReSTSelection.temperature(generation: $0, of: 5, tMin: 0.5) }
        #expect(close(t, [1.0, 0.875, 0.75, 0.625, 0.5]), "\(t)")
        #expect(CReSTSelection.temperature(generation: 1, of: 1, tMin: 0.5) == 1)
    }

    @Test func alignmentTakesATemperaturePerCallAndItsWindowRoundTrips() throws {
        var da = try DistributionAlignment(target: [3, 1])
        #expect(close(da.target, [0.75, 0.25]))
        // p = p_bar = (0.5, 0.5): the aligned row is the tempered target, (0.75^0.5, 0.25^0.5) normalised.
        let q = try da.align(try Tensor([Float(0.5), 0.5]).reshape([1, 2]), temperature: 0.5).to(.float64).flatten(start: 0).toArray(Double.self)
        let a = 0.75.squareRoot(), b = 0.25.squareRoot()
        #expect(close(q, [a / (a + b), b / (a + b)], 1e-5), "\(q)")
        #expect(close(da.target, [0.75, 0.25]), "the default temperature stays")
        _ = try da.align(try Tensor([Float(0.9), 0.1, 0.2, 0.8]).reshape([2, 2]))
        var copy = try DistributionAlignment(target: [3, 1])
        try copy.restore(try da.stateTensors(prefix: "da"), prefix: "da")
        let mean = try #require(copy.runningMean), original = try #require(da.runningMean)
        #expect(close(mean, original) && close(mean, [(0.5 + 0.9 + 0.2) / 3, (0.5 + 0.1 + 0.8) / 3], 1e-6), "\(mean)")
    }

    @Test func crestAddsTheChosenImagesToTheInitialLabeledSet() throws {
        var config = CReSTConfig()
        config.generationSteps = 4
        let crest = try CReSTAddOn(config: config, labeledCounts: [8, 1], steps: 8)
        #expect(crest.generations == 2 && close(crest.rates, [0.5, 1]))
        let rows: [[Double]] = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]
        crest.choose(probabilities: rows, generation: 2)
        // class 0: int(0.5 * 3) = 1 -> image 0; class 1: int(1 * 1) = 1 -> image 2.
        #expect(crest.additions.map(\.index) == [0, 2] && crest.addedCounts == [1, 1])
        let initial = ImageSet(images: [1, 2], labels: [0, 1], height: 1, width: 1, channels: 1, classNames: ["a", "b"])
        let unlabeled = ImageSet(images: [10, 11, 12, 13], labels: [1, 1, 0, 0], height: 1, width: 1, channels: 1, classNames: ["a", "b"])
        let grown = crest.labeledSet(initial: initial, unlabeled: unlabeled)
        #expect(grown.images == [1, 2, 10, 12] && grown.labels == [0, 1, 0, 1])
        #expect(crest.evaluationMetrics()["crest_added_1"] == 1 && crest.evaluationMetrics()["crest_da_temperature"] == 0.5)
    }

    @Test func stagePlansCutTheRun() {
        let crest = SSLStagePlan.crest(generationSteps: 6, generations: 2)
        #expect([0, 5, 6, 11].map(crest.stage(forStep:)) == [0, 0, 1, 1])
        #expect(crest.bounds(ofStage: 1) == (6, 6))
        let crt = SSLStagePlan.crt(baseSteps: 6, retrainingSteps: 4)
        #expect([0, 5, 6, 9].map(crt.stage(forStep:)) == [0, 0, 1, 1])
        #expect(crt.bounds(ofStage: 0) == (0, 6) && crt.bounds(ofStage: 1) == (6, 4))
    }

    @Test func badSettingsAreRefusedWithTheFlag() throws {
        var ssl = SSLConfig(algorithm: .fixmatch, imbalance: .crest)
        ssl.steps = 12
        ssl.crest.generationSteps = 5
        #expect(throws: TailKitError.invalidOption("--steps 12 must be a multiple of --crest-gen-steps 5 (each generation trains that many steps)")) { try ssl.validate() }
        var crt = SSLConfig(algorithm: .fixmatch, imbalance: .crt)
        #expect(crt.retrainingSteps == 25_000 && crt.totalSteps == 275_000)
        crt.crtSteps = 0
        #expect(throws: TailKitError.invalidOption("--crt-steps 0 must be positive")) { try crt.validate() }
        let meanTeacher = SSLConfig(algorithm: .meanteacher, imbalance: .crest)
        #expect(throws: (any Error).self) { try meanTeacher.validate() }
        // ReMixMatch takes CReST+'s temperature in its own alignment (DASO's ReMixMatchCReST), so it pairs.
        var reMixMatch = SSLConfig(algorithm: .remixmatch, imbalance: .crest)
        reMixMatch.steps = 100_000
        try reMixMatch.validate()
        // Mean Teacher makes no pseudo-labels and has nowhere to align once: still refused.
        var meanTeacherCReST = SSLConfig(algorithm: .meanteacher, imbalance: .crest)
        meanTeacherCReST.steps = 100_000
        do {
            try meanTeacherCReST.validate()
            Issue.record("meanteacher + crest was accepted")
        } catch let TailKitError.invalidOption(message) {
            #expect(message.contains("--imbalance crest cannot work with --algorithm meanteacher")
                    && message.contains("bases it works with: pseudolabel, remixmatch, fixmatch"), "\(message)")
        } catch {
            Issue.record("meanteacher + crest: unexpected error \(error)")
        }
    }

    /// CReST+ on ReMixMatch (`lib/algorithm/rm_crest.py`): generation 2 of 3 with t_min 0.5 gives
    /// t_2 = 1 − 0.5 + 0.5 · 0.5 = 0.75 to ReMixMatch's own alignment, and CReST's hook leaves the guess
    /// as it is. With p = p̄ = (0.5, 0.5) and π* = (0.75, 0.25): aligned = π*_0.75, sharpened (T = 0.5)
    /// q_0 = 0.75^1.5 / (0.75^1.5 + 0.25^1.5) = 0.649519 / 0.774519 = 0.838614.
    @Test func crestPlusTempersReMixMatchsOwnAlignmentAndDoesNotAlignAgain() throws {
        var ssl = SSLConfig(algorithm: .remixmatch, imbalance: .crest)
        ssl.steps = 12
        ssl.crest.generationSteps = 4
        let crest = try #require(try ssl.imbalance.make(config: ssl, labeledCounts: [3, 1]) as? CReSTAddOn)
        crest.choose(probabilities: [], generation: 2)
        #expect(crest.generations == 3 && crest.alignmentTemperature == 0.75)
        let half = try Tensor([Float(0.5), 0.5]).reshape([1, 2])
        let dummy = SSLForward(labeledLogits: try Tensor.zeros([0, 2]), labels: try Tensor.zeros([0]), step: 4)
        let hooked = try crest.pseudoLabels(half, forward: dummy).to(.float64).flatten(start: 0).toArray(Double.self)
        #expect(close(hooked, [0.5, 0.5]), "CReST's hook aligned for remixmatch: \(hooked)")
        #expect(!(try crest.stateTensors()).contains { $0.0.hasPrefix("crest.da") }, "no window of its own for remixmatch")

        let base = try #require(try ssl.algorithm.make(config: ssl, labeledCounts: [3, 1]) as? ReMixMatchAlgorithm)
        let q = try base.guess(half, addOn: crest, forward: dummy).to(.float64).flatten(start: 0).toArray(Double.self)
        #expect(close(q, [0.838614, 0.161386], 1e-5), "\(q)")

        // With FixMatch, which has no alignment of its own, CReST aligns in the hook: π*_0.75 itself.
        ssl.algorithm = .fixmatch
        let fixMatchCReST = try #require(try ssl.imbalance.make(config: ssl, labeledCounts: [3, 1]) as? CReSTAddOn)
        fixMatchCReST.choose(probabilities: [], generation: 2)
        let aligned = try fixMatchCReST.pseudoLabels(half, forward: dummy).to(.float64).flatten(start: 0).toArray(Double.self)
        let a = Foundation.pow(0.75, 0.75), b = Foundation.pow(0.25, 0.75)
        #expect(close(aligned, [a / (a + b), b / (a + b)], 1e-5), "\(aligned)")
    }

    /// The consistency ramp restarts each generation over ramp-ratio of its length (`rm_crest.py`
    /// `cons_rampup_func`): generations of 100 steps, ratio 0.1 ⇒ R = 10, generation 2 is steps 100-199.
    @Test func theConsistencyRampRestartsEachGeneration() throws {
        var ssl = SSLConfig(algorithm: .remixmatch, imbalance: .crest)
        ssl.steps = 300
        ssl.crest.generationSteps = 100
        ssl.rampRatio = 0.1
        let ramp = ConsistencyRamp(config: ssl)
        #expect(ramp == ConsistencyRamp(steps: 10, period: 100))
        #expect([95, 100, 103, 105, 110, 199, 200].map(ramp.value(at:)) == [1, 0, 0.3, 0.5, 1, 1, 0])
        let reMixMatch = try #require(try ssl.algorithm.make(config: ssl, labeledCounts: [3, 1]) as? ReMixMatchAlgorithm)
        #expect(reMixMatch.ramp(at: 105) == 0.5 && reMixMatch.ramp(at: 99) == 1)
        ssl.algorithm = .pseudolabel
        let pseudoLabel = try #require(try ssl.algorithm.make(config: ssl) as? PseudoLabelAlgorithm)
        #expect(pseudoLabel.ramp(at: 105) == 0.5 && pseudoLabel.ramp(at: 100) == 0)
        // Without CReST it runs over the run: R = 0.1 · 300 = 30.
        ssl.imbalance = .none
        #expect(ConsistencyRamp(config: ssl) == ConsistencyRamp(steps: 30) && ConsistencyRamp(config: ssl).value(at: 105) == 1)
    }
}
