import Foundation
import Testing
@testable import TailData

@Suite struct PartialLabelTests {
    /// CIFAR-100's fine label names in the order of its `meta` file.
    private let cifar100Names = """
    apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can \
    castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin \
    elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster \
    man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck \
    pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk \
    skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger \
    tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm
    """.split(separator: " ").map(String.init)

    @Test func uniformKeepsTrueLabelAndHitsExpectedSize() throws {
        let labels = (0..<20_000).map { $0 % 10 }
        var rng = NumpyRandomState(seed: 0)
        let sets = try PartialLabels.uniform(labels: labels, classes: 10, q: 0.3, rng: &rng)
        #expect(sets.count == 20_000)
        #expect(labels.indices.allSatisfy { sets.mask[$0 * 10 + labels[$0]] == 1 })
        // Expected size 1 + q (C - 1) = 3.7; the standard error over 20k samples is about 0.01.
        #expect(abs(sets.averageSetSize() - 3.7) < 0.05)
        #expect(sets.mask.allSatisfy { $0 <= 1 })
    }

    /// Set sizes follow 1 + Binomial(C − 1, q): each of the 9 false labels joins independently.
    @Test func uniformSetSizesFollowTheBinomialLaw() throws {
        let n = 20_000, classes = 10, q = 0.3
        let labels = (0..<n).map { ($0 * 3) % classes }
        var rng = NumpyRandomState(seed: 1)
        let sizes = try PartialLabels.uniform(labels: labels, classes: classes, q: q, rng: &rng).setSizes()
        try #require(sizes.count == n)
        var histogram = [Int](repeating: 0, count: classes + 1)
        for s in sizes { histogram[s] += 1 }
        #expect(histogram[0] == 0, "no empty set")
        for k in 0...(classes - 1) {
            var choose = 1.0
            for i in 0..<k { choose *= Double(classes - 1 - i) / Double(i + 1) }
            let p = choose * pow(q, Double(k)) * pow(1 - q, Double(classes - 1 - k))
            let expected = p * Double(n), observed = Double(histogram[k + 1])
            // Five binomial standard deviations of the count, plus a little slack for tiny cells.
            #expect(abs(observed - expected) <= 5 * (expected * (1 - p)).squareRoot() + 2, "size \(k + 1): \(observed) vs \(expected)")
        }
    }

    @Test func uniformMatchesReferenceMask() throws {
        let labels = (0..<500).map { ($0 * 7) % 10 }
        var rng = NumpyRandomState(seed: 0)
        let sets = try PartialLabels.uniform(labels: labels, classes: 10, q: 0.1, rng: &rng)
        let out = try splitTestsRunPython("""
        import numpy as np
        y = np.array([(i * 7) % 10 for i in range(500)])
        np.random.seed(0)
        r = np.random.uniform(0, 1, size=(500, 10))
        m = (r < 0.1).astype(int); m[np.arange(500), y] = 1
        print(''.join(map(str, m.reshape(-1))))
        """)
        #expect(sets.mask.map { String($0) }.joined() == out)
    }

    @Test func cifar100SuperclassTable() throws {
        try #require(cifar100Names.count == 100)
        let superclassOf = try PartialLabels.cifar100Superclasses(fineNames: cifar100Names)
        for s in 0..<20 { #expect(superclassOf.filter { $0 == s }.count == 5) }
        // beaver, dolphin, otter, seal and whale are aquatic mammals (superclass 0).
        for name in ["beaver", "dolphin", "otter", "seal", "whale"] {
            #expect(superclassOf[try #require(cifar100Names.firstIndex(of: name))] == 0)
        }
        #expect(superclassOf[try #require(cifar100Names.firstIndex(of: "tractor"))] == 19)
        #expect(throws: DataError.self) {
            try PartialLabels.cifar100Superclasses(fineNames: Array(cifar100Names.dropLast()) + ["robot"])
        }
    }

    @Test func hierarchicalSiblingsGetEightTimesQ() throws {
        let superclassOf = try PartialLabels.cifar100Superclasses(fineNames: cifar100Names)
        let labels = (0..<10_000).map { $0 % 100 }
        var rng = NumpyRandomState(seed: 0)
        let q = 0.03
        let sets = try PartialLabels.hierarchical(labels: labels, superclassOf: superclassOf, q: q, rng: &rng)
        #expect(labels.indices.allSatisfy { sets.mask[$0 * 100 + labels[$0]] == 1 })
        // 1 + 4 * 8q + 95 q = 1 + 0.96 + 2.85 = 4.81.
        #expect(abs(sets.averageSetSize() - 4.81) < 0.06)
        var siblingHits = 0, otherHits = 0
        for (n, y) in labels.enumerated() {
            for j in 0..<100 where j != y && sets.mask[n * 100 + j] == 1 {
                if superclassOf[j] == superclassOf[y] { siblingHits += 1 } else { otherHits += 1 }
            }
        }
        let siblingRate = Double(siblingHits) / Double(labels.count * 4)
        let otherRate = Double(otherHits) / Double(labels.count * 95)
        #expect(abs(siblingRate - 0.24) < 0.02)
        #expect(abs(otherRate - 0.03) < 0.003)
    }

    @Test func expectedSizeFormula() {
        let flip = [Double](repeating: 0.1, count: 100)
        #expect(abs(PartialLabels.expectedSetSize(label: 3, classes: 10, flip: flip) - 1.9) < 1e-12)
    }

    @Test func badInputThrows() {
        var rng = NumpyRandomState(seed: 0)
        #expect(throws: DataError.self) { try PartialLabels.uniform(labels: [0, 10], classes: 10, q: 0.1, rng: &rng) }
        #expect(throws: DataError.self) { try PartialLabels.uniform(labels: [0], classes: 10, q: 1.5, rng: &rng) }
        #expect(throws: DataError.self) {
            try PartialLabels.generate(labels: [0], classes: 3, flip: [0.1], rng: &rng)
        }
    }
}
