import Foundation
import Testing
@testable import TailData
import TestSupport

/// Runs a Python 3 script (numpy available) and returns its standard output; the parity tests
/// compare TailKit's draws against the real numpy / Python RNGs with it.
func splitTestsRunPython(_ script: String) throws -> String {
    String(decoding: try PythonTorchRunner.output(script), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Parses "1 2 3" lines into integers.
func splitTestsInts(_ line: Substring) -> [Int] {
    line.split(separator: " ").compactMap { Int($0) }
}

/// A labels-only set (1-byte images) for split tests; the pixel holds the index mod 256.
func splitTestsLabelSet(_ labels: [Int], classes: Int) -> ImageSet {
    ImageSet(images: labels.indices.map { UInt8(truncatingIfNeeded: $0) }, labels: labels, height: 1, width: 1,
             channels: 1, classNames: (0..<classes).map { "c\($0)" })
}

@Suite struct LongTailCountTests {
    @Test func cifar10Tables() throws {
        #expect(try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.1)
                == [5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500])
        #expect(try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.02)
                == [5000, 3237, 2096, 1357, 878, 568, 368, 238, 154, 100])
        let rho100 = try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.01)
        #expect(rho100 == [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50])
        #expect(try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.1).reduce(0, +) == 20431)
        #expect(try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.02).reduce(0, +) == 13996)
        #expect(rho100.reduce(0, +) == 12406)
    }

    @Test func cifar100Tables() throws {
        let rho10 = try LongTail.counts(head: 500, classes: 100, imbFactor: 0.1)
        #expect(Array(rho10.prefix(5)) == [500, 488, 477, 466, 455])
        #expect(Array(rho10.suffix(5)) == [54, 53, 52, 51, 50])
        #expect(rho10.reduce(0, +) == 19573)
        let rho50 = try LongTail.counts(head: 500, classes: 100, imbFactor: 0.02)
        #expect(Array(rho50.prefix(5)) == [500, 480, 462, 444, 426])
        #expect(Array(rho50.suffix(5)) == [11, 11, 10, 10, 10])
        #expect(rho50.reduce(0, +) == 12608)
        let rho100 = try LongTail.counts(head: 500, classes: 100, imbFactor: 0.01)
        #expect(Array(rho100.prefix(5)) == [500, 477, 455, 434, 415])
        #expect(Array(rho100.suffix(5)) == [6, 5, 5, 5, 5])
        #expect(rho100.reduce(0, +) == 10847)
    }

    @Test func svhnTablesInSVHNOrder() throws {
        let rho50 = try LongTail.counts(head: LongTail.svhnHeadCount, classes: 10, imbFactor: 0.02)
        #expect(rho50 == [1000, 647, 419, 271, 175, 113, 73, 47, 30, 20])
        #expect(rho50.reduce(0, +) == 2795)
        let rho100 = try LongTail.counts(head: LongTail.svhnHeadCount, classes: 10, imbFactor: 0.01)
        #expect(rho100 == [1000, 599, 359, 215, 129, 77, 46, 27, 16, 10])
        #expect(rho100.reduce(0, +) == 2478)
        // By label value, digit 0 is the tail and digit 1 the head.
        let byLabel = try LongTail.countsByLabel(rho100, classOrder: LongTail.svhnClassOrder)
        #expect(byLabel == [10, 1000, 599, 359, 215, 129, 77, 46, 27, 16])
    }

    @Test func dasoTables() throws {
        func check(_ head: Int, _ gamma: Double, _ classes: Int, _ expected: [Int]?, total: Int) throws {
            let counts = try LongTail.counts(head: head, classes: classes, ratio: gamma)
            if let expected { #expect(counts == expected) }
            #expect(counts.reduce(0, +) == total)
        }
        try check(1500, 100, 10, [1500, 899, 539, 323, 193, 116, 69, 41, 25, 15], total: 3720)
        try check(3000, 100, 10, [3000, 1798, 1078, 646, 387, 232, 139, 83, 50, 30], total: 7443)
        try check(500, 100, 10, [500, 299, 179, 107, 64, 38, 23, 13, 8, 5], total: 1236)
        try check(4000, 100, 10, [4000, 2397, 1437, 861, 516, 309, 185, 111, 66, 40], total: 9922)
        try check(450, 10, 10, [450, 348, 269, 208, 161, 125, 96, 75, 58, 45], total: 1835)
        try check(150, 10, 10, [150, 116, 89, 69, 53, 41, 32, 25, 19, 15], total: 609)
        try check(450, 20, 10, [450, 322, 231, 165, 118, 85, 61, 43, 31, 22], total: 1528)
        try check(150, 20, 10, [150, 107, 77, 55, 39, 28, 20, 14, 10, 7], total: 507)
        let c100 = try LongTail.counts(head: 150, classes: 100, ratio: 10)
        #expect(Array(c100.prefix(5)) == [150, 146, 143, 139, 136])
        #expect(c100.last == 15)
        try check(150, 10, 100, nil, total: 5835)
        try check(300, 10, 100, nil, total: 11720)
        try check(50, 10, 100, nil, total: 1911)
        try check(400, 10, 100, nil, total: 15651)
    }

    @Test func ratioAndFactorEntriesAgree() throws {
        for rho in [10.0, 20, 50, 100, 200] {
            #expect(try LongTail.counts(head: 5000, classes: 10, ratio: rho)
                    == LongTail.counts(head: 5000, classes: 10, imbFactor: 1 / rho))
        }
    }

    @Test func stepAndBalancedProfiles() throws {
        #expect(try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.01, profile: .step)
                == [5000, 5000, 5000, 5000, 5000, 50, 50, 50, 50, 50])
        #expect(try LongTail.counts(head: 500, classes: 100, imbFactor: 0.1, profile: .step).reduce(0, +)
                == 50 * 500 + 50 * 50)
        #expect(try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.01, profile: .balanced)
                == [Int](repeating: 5000, count: 10))
    }

    @Test func badArgumentsThrow() {
        #expect(throws: DataError.self) { try LongTail.counts(head: 5000, classes: 1, imbFactor: 0.01) }
        #expect(throws: DataError.self) { try LongTail.counts(head: 5000, classes: 10, imbFactor: 0) }
        #expect(throws: DataError.self) { try LongTail.counts(head: 5000, classes: 10, imbFactor: 100) }
        #expect(throws: DataError.self) { try LongTail.counts(head: 500, classes: 10, ratio: 0.5) }
        #expect(throws: DataError.self) { try LongTail.counts(head: .nan, classes: 10, imbFactor: 0.1) }
        #expect(throws: DataError.self) { try LongTail.countsByLabel([1, 2], classOrder: [0, 0]) }
    }
}

@Suite struct NumpyParityTests {
    @Test func knownFirstDraws() {
        var rng = NumpyRandomState(seed: 0)
        #expect(rng.randomSample() == 0.5488135039273248)
        var rng2 = NumpyRandomState(seed: 0)
        #expect(rng2.permutation(10) == [2, 8, 4, 9, 1, 6, 7, 3, 0, 5])
        var reference = MersenneTwister19937(seed: 5489)
        #expect(reference.next() == 3_499_211_612)
    }

    @Test func matchesNumpyDrawForDraw() throws {
        let out = try splitTestsRunPython("""
        import numpy as np
        np.random.seed(12345)
        print(' '.join(repr(float(x)) for x in np.random.random_sample(5)))
        print(' '.join(str(x) for x in np.random.permutation(1000)))
        a = np.arange(37); np.random.shuffle(a); print(' '.join(str(x) for x in a))
        print(' '.join(str(x) for x in np.random.randint(0, 7, size=20)))
        print(' '.join(str(x) for x in np.random.choice(100, 10, replace=False)))
        print(' '.join(str(x) for x in np.random.choice(100, 10, replace=True)))
        print(' '.join(repr(float(x)) for x in np.random.uniform(0, 1, size=4)))
        np.random.seed(4294967295); print(' '.join(str(x) for x in np.random.permutation(20)))
        """)
        let lines = out.split(separator: "\n")
        try #require(lines.count == 8)
        var rng = NumpyRandomState(seed: 12345)
        #expect((0..<5).map { _ in rng.randomSample() } == lines[0].split(separator: " ").compactMap { Double($0) })
        #expect(rng.permutation(1000) == splitTestsInts(lines[1]))
        var a = Array(0..<37)
        rng.shuffle(&a)
        #expect(a == splitTestsInts(lines[2]))
        #expect((0..<20).map { _ in rng.randint(below: 7) } == splitTestsInts(lines[3]))
        #expect(try rng.choice(100, size: 10, replace: false) == splitTestsInts(lines[4]))
        #expect(try rng.choice(100, size: 10, replace: true) == splitTestsInts(lines[5]))
        #expect((0..<4).map { _ in rng.uniform() } == lines[6].split(separator: " ").compactMap { Double($0) })
        var high = NumpyRandomState(seed: 4_294_967_295)
        #expect(high.permutation(20) == splitTestsInts(lines[7]))
    }

    @Test func pythonRandomMatchesCPython() throws {
        let out = try splitTestsRunPython("""
        import random
        random.seed(123); l = list(range(100)); random.shuffle(l); print(' '.join(map(str, l)))
        random.seed(2**40 + 7); print(repr(random.random()))
        random.seed(0); c = [500, 400, 300, 200, 100]; random.shuffle(c); print(' '.join(map(str, c)))
        """)
        let lines = out.split(separator: "\n")
        try #require(lines.count == 3)
        var rng = PythonRandom(seed: 123)
        var list = Array(0..<100)
        rng.shuffle(&list)
        #expect(list == splitTestsInts(lines[0]))
        var big = PythonRandom(seed: (1 << 40) + 7)
        #expect(big.random() == Double(lines[1]))
        var zero = PythonRandom(seed: 0)
        #expect(LongTail.shuffledCounts([500, 400, 300, 200, 100], using: &zero) == splitTestsInts(lines[2]))
    }
}

@Suite struct LongTailSelectionTests {
    /// CIFAR-like interleaved labels: 50,000 images, 5,000 per class.
    private let cifarLabels = (0..<50_000).map { ($0 * 7 + $0 / 10) % 10 }

    @Test func cifarSubsetMatchesReferenceSelection() throws {
        let set = splitTestsLabelSet(cifarLabels, classes: 10)
        var rng = NumpyRandomState(seed: 0)
        let subset = try LongTail.cifar(set, imbFactor: 0.01, rng: &rng)
        #expect(subset.set.count == 12406)
        #expect(subset.set.classCounts() == [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50])
        #expect(subset.countsByLabel == subset.set.classCounts())
        #expect(subset.set.labels == subset.indices.map { cifarLabels[$0] })
        #expect(subset.set.images == subset.indices.map { UInt8(truncatingIfNeeded: $0) })
        #expect(Set(subset.indices).count == subset.indices.count)
        let out = try splitTestsRunPython("""
        import numpy as np
        t = np.array([(i * 7 + i // 10) % 10 for i in range(50000)])
        np.random.seed(0)
        counts = [int(5000.0 * (0.01 ** (i / 9.0))) for i in range(10)]
        kept = []
        for c in range(10):
            idx = np.where(t == c)[0]; np.random.shuffle(idx); kept.extend(idx[:counts[c]])
        print(' '.join(map(str, kept)))
        print(repr(float(np.random.random_sample())))
        """)
        let lines = out.split(separator: "\n")
        try #require(lines.count == 2)
        #expect(subset.indices == splitTestsInts(lines[0]))
        // The stream continues exactly where numpy's does.
        #expect(rng.randomSample() == Double(lines[1]))
    }

    @Test func svhnSubsetUsesRotatedClassOrder() throws {
        let labels = (0..<20_000).map { ($0 * 3 + $0 / 7) % 10 }
        let set = splitTestsLabelSet(labels, classes: 10)
        var rng = NumpyRandomState(seed: 0)
        let subset = try LongTail.svhn(set, imbFactor: 0.02, rng: &rng)
        #expect(subset.set.classCounts() == [20, 1000, 647, 419, 271, 175, 113, 73, 47, 30])
        #expect(subset.set.count == 2795)
        #expect(subset.set.labels.first == 1 && subset.set.labels.last == 0)
        let out = try splitTestsRunPython("""
        import numpy as np
        t = np.array([(i * 3 + i // 7) % 10 for i in range(20000)])
        np.random.seed(0)
        counts = [int(1000 * (0.02 ** (i / 9.0))) for i in range(10)]
        kept = []
        for c, n in zip([1, 2, 3, 4, 5, 6, 7, 8, 9, 0], counts):
            idx = np.where(t == c)[0]; np.random.shuffle(idx); kept.extend(idx[:n])
        print(' '.join(map(str, kept)))
        """)
        #expect(subset.indices == splitTestsInts(Substring(out)))
    }

    @Test func tooFewImagesThrows() {
        let set = splitTestsLabelSet((0..<100).map { $0 % 10 }, classes: 10)
        var rng = NumpyRandomState(seed: 0)
        #expect(throws: DataError.self) {
            try LongTail.select(from: set, countsByRank: [11, 1, 1, 1, 1, 1, 1, 1, 1, 1], rng: &rng)
        }
        #expect(throws: DataError.self) { try LongTail.select(from: set, countsByRank: [1, 1], rng: &rng) }
    }
}
