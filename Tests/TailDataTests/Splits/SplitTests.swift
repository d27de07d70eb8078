import Testing
@testable import TailData

@Suite struct UnlabeledSplitTests {
    @Test func cifar10Rho50Tables() throws {
        let labeled = try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.02)
        let uniform = try UnlabeledSplit.counts(labeledCountsByRank: labeled, unlabeledImbFactor: 1)
        #expect(uniform == [Int](repeating: 6998, count: 10))
        #expect(uniform.reduce(0, +) == 69980)
        let rows: [(Double, [Int], Int)] = [
            (0.04, [21651, 15138, 10587, 7403, 5176, 3619, 2530, 1769, 1237, 863], 69973),
            (0.02, [24999, 16186, 10477, 6784, 4390, 2843, 1839, 1189, 771, 496], 69974),
            (0.01, [28208, 16909, 10133, 6074, 3639, 2180, 1306, 781, 467, 278], 69975),
        ]
        for (fU, expected, total) in rows {
            let counts = try UnlabeledSplit.counts(labeledCountsByRank: labeled, unlabeledImbFactor: fU)
            #expect(counts == expected)
            #expect(counts.reduce(0, +) == total)
        }
    }

    @Test func svhnRho50Tables() throws {
        let labeled = try LongTail.counts(head: LongTail.svhnHeadCount, classes: 10, imbFactor: 0.02)
        let uniform = try UnlabeledSplit.counts(labeledCountsByRank: labeled, unlabeledImbFactor: 1)
        #expect(uniform == [Int](repeating: 1397, count: 10))
        #expect(uniform.reduce(0, +) == 13970)
        #expect(try UnlabeledSplit.counts(labeledCountsByRank: labeled, unlabeledImbFactor: 0.04)
                == [4327, 3023, 2115, 1477, 1034, 721, 504, 353, 244, 170])
        #expect(try UnlabeledSplit.counts(labeledCountsByRank: labeled, unlabeledImbFactor: 0.02)
                == [4998, 3234, 2093, 1355, 876, 565, 364, 236, 153, 96])
        #expect(try UnlabeledSplit.counts(labeledCountsByRank: labeled, unlabeledImbFactor: 0.01)
                == [5639, 3378, 2026, 1211, 726, 435, 258, 153, 92, 52])
    }

    @Test func poolSelectionContinuesTheLabeledStream() throws {
        let trainLabels = (0..<20_000).map { ($0 * 3 + $0 / 7) % 10 }
        let poolLabels = (0..<60_000).map { ($0 * 13 + $0 / 11) % 10 }
        var rng = NumpyRandomState(seed: 0)
        let labeled = try LongTail.svhn(splitTestsLabelSet(trainLabels, classes: 10), imbFactor: 0.02, rng: &rng)
        let labeledByRank = LongTail.svhnClassOrder.map { labeled.countsByLabel[$0] }
        let uCounts = try UnlabeledSplit.counts(labeledCountsByRank: labeledByRank, unlabeledImbFactor: 0.02)
        let picked = try UnlabeledSplit.select(selectionLabels: poolLabels, classes: 10, countsByRank: uCounts,
                                               classOrder: LongTail.svhnClassOrder, rng: &rng)
        #expect(picked.count == uCounts.reduce(0, +))
        #expect(Set(picked).count == picked.count)
        let out = try splitTestsRunPython("""
        import numpy as np
        t = np.array([(i * 3 + i // 7) % 10 for i in range(20000)])
        p = np.array([(i * 13 + i // 11) % 10 for i in range(60000)])
        order = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]
        np.random.seed(0)
        counts = [int(1000 * (0.02 ** (i / 9.0))) for i in range(10)]
        for c, n in zip(order, counts):
            idx = np.where(t == c)[0]; np.random.shuffle(idx)
        total = np.sum(counts) * 5; first = total // 10
        u = [int(first * (0.02 ** (i / 9.0))) for i in range(10)]
        f = total / np.sum(u); u = [int(x * f) for x in u]
        kept = []
        for c, n in zip(order, u):
            idx = np.where(p == c)[0]; np.random.shuffle(idx); kept.extend(idx[:n])
        print(' '.join(map(str, kept)))
        """)
        #expect(picked == splitTestsInts(Substring(out)))
    }

    @Test func remainderSelectionAvoidsLabeledImages() throws {
        let labels = (0..<6000).map { $0 % 10 }
        var rng = NumpyRandomState(seed: 3)
        let labeled = try LongTail.cifar(splitTestsLabelSet(labels, classes: 10), imbFactor: 0.1, rng: &rng)
        let remaining = (0..<10).map { 600 - labeled.countsByLabel[$0] }
        let want = remaining.map { min($0, 50) }
        let pool = try UnlabeledSplit.selectFromRemainder(labels: labels, classes: 10, excluding: labeled.indices,
                                                          countsByRank: want, rng: &rng)
        #expect(Set(pool).isDisjoint(with: labeled.indices))
        #expect(pool.count == want.reduce(0, +))
        var perClass = [Int](repeating: 0, count: 10)
        for i in pool { perClass[labels[i]] += 1 }
        #expect(perClass == want)
        #expect(throws: DataError.self) {
            try UnlabeledSplit.selectFromRemainder(labels: labels, classes: 10, excluding: labeled.indices,
                                                   countsByRank: [Int](repeating: 600, count: 10), rng: &rng)
        }
    }

    @Test func mergeAppendsPseudoLabeledBlock() throws {
        let labeled = splitTestsLabelSet([0, 1, 2], classes: 3)
        let pool = splitTestsLabelSet([-1, -1, -1, -1], classes: 3)
        let merged = try UnlabeledSplit.merge(labeled: labeled, pool: pool, selected: [3, 1],
                                              pseudoLabels: [2, 0, 1, 1])
        #expect(merged.labels == [0, 1, 2, 1, 0])
        #expect(merged.images == [0, 1, 2, 3, 1])
        #expect(merged.classCounts() == [2, 2, 1])
        #expect(throws: DataError.self) {
            try UnlabeledSplit.merge(labeled: labeled, pool: pool, selected: [0], pseudoLabels: [5, 0, 0, 0])
        }
        #expect(throws: DataError.self) {
            try UnlabeledSplit.merge(labeled: labeled, pool: pool, selected: [9], pseudoLabels: [0, 0, 0, 0])
        }
    }
}

@Suite struct DASOSplitTests {
    private let cifarLabels = (0..<50_000).map { ($0 * 7 + $0 / 10) % 10 }

    @Test func cifar10CountsAndDisjointness() throws {
        let split = try DASOSplit.cifar(labels: cifarLabels, classes: 10, config: .init(
            labeledHead: 1500, unlabeledHead: 3000, labeledRatio: 100, unlabeledRatio: 100))
        #expect(split.validation.count == 5000)
        var validPerClass = [Int](repeating: 0, count: 10)
        for i in split.validation { validPerClass[cifarLabels[i]] += 1 }
        #expect(validPerClass == [Int](repeating: 500, count: 10))
        #expect(split.labeledCounts == [1500, 899, 539, 323, 193, 116, 69, 41, 25, 15])
        #expect(split.unlabeledCounts == [3000, 1798, 1078, 646, 387, 232, 139, 83, 50, 30])
        #expect(split.labeled.count == 3720 && split.unlabeled.count == 7443)
        let all = split.labeled + split.unlabeled + split.validation
        #expect(Set(all).count == all.count)
    }

    @Test func uniformAndReversedUnlabeled() throws {
        let uniform = try DASOSplit.cifar(labels: cifarLabels, classes: 10, config: .init(
            labeledHead: 500, unlabeledHead: 4000, labeledRatio: 100, unlabeledRatio: 1))
        #expect(uniform.labeledCounts == [500, 299, 179, 107, 64, 38, 23, 13, 8, 5])
        #expect(uniform.unlabeledCounts == [Int](repeating: 4000, count: 10))
        let reversed = try DASOSplit.cifar(labels: cifarLabels, classes: 10, config: .init(
            labeledHead: 500, unlabeledHead: 4000, labeledRatio: 100, unlabeledRatio: 100, reverseUnlabeled: true))
        #expect(reversed.unlabeledCounts == [40, 66, 111, 185, 309, 516, 861, 1437, 2397, 4000])
        #expect(reversed.unlabeledCounts.reduce(0, +) == 9922)
    }

    @Test func cifar100Totals() throws {
        let labels = (0..<50_000).map { $0 % 100 }
        let split = try DASOSplit.cifar(labels: labels, classes: 100, config: .init(
            labeledHead: 150, unlabeledHead: 300, labeledRatio: 10, unlabeledRatio: 10))
        #expect(split.validation.count == 5000)
        #expect(split.labeled.count == 5835 && split.unlabeled.count == 11720)
        let small = try DASOSplit.cifar(labels: labels, classes: 100, config: .init(
            labeledHead: 50, unlabeledHead: 400, labeledRatio: 10, unlabeledRatio: 10))
        #expect(small.labeled.count == 1911 && small.unlabeled.count == 15651)
    }

    @Test func stl10Counts() throws {
        let labels = (0..<5000).map { $0 % 10 }
        let split = try DASOSplit.stl10(labels: labels, classes: 10, config: .init(
            labeledHead: 450, unlabeledHead: 0, labeledRatio: 10, unlabeledRatio: 1, numValid: 500))
        #expect(split.validation.count == 500)
        #expect(split.labeledCounts == [450, 348, 269, 208, 161, 125, 96, 75, 58, 45])
        #expect(split.labeled.count == 1835)
        #expect(split.unlabeled.isEmpty)
    }

    @Test func matchesReferenceIndices() throws {
        let split = try DASOSplit.cifar(labels: cifarLabels, classes: 10, config: .init(
            labeledHead: 1500, unlabeledHead: 3000, labeledRatio: 100, unlabeledRatio: 100,
            reverseUnlabeled: true, seed: 7))
        // The DASO pipeline restated over index arrays, run on real numpy.
        let out = try splitTestsRunPython("""
        import numpy as np
        lab = np.array([(i * 7 + i // 10) % 10 for i in range(50000)])
        def per_class_shuffle(pos, rng):
            groups = []
            for c in range(10):
                m = pos[np.where(lab[pos] == c)[0]]; rng.shuffle(m); groups.append(m)
            return groups
        rng = np.random.RandomState(7)
        g = per_class_shuffle(np.arange(50000), rng)
        train = np.concatenate([x[500:] for x in g]); valid = np.concatenate([x[:500] for x in g])
        rng = np.random.RandomState(7)
        g = per_class_shuffle(train, rng)
        l = np.concatenate([x[:1500] for x in g]); u = np.concatenate([x[1500:4500] for x in g])
        def imb(pos, head, order):
            rng = np.random.RandomState(7); kept = []
            for rank, c in enumerate(order):
                m = pos[np.where(lab[pos] == c)[0]]; rng.shuffle(m)
                kept.extend(m[:int(head * ((1. / 100) ** (rank / 9.0)))])
            return kept
        l = imb(l, 1500, list(range(10))); u = imb(u, 3000, list(range(9, -1, -1)))
        for a in (valid, l, u): print(' '.join(map(str, a)))
        """)
        let lines = out.split(separator: "\n")
        try #require(lines.count == 3)
        #expect(split.validation == splitTestsInts(lines[0]))
        #expect(split.labeled == splitTestsInts(lines[1]))
        #expect(split.unlabeled == splitTestsInts(lines[2]))
    }
}

@Suite struct ValidationSplitTests {
    @Test func perClassHoldOut() throws {
        let labels = (0..<1000).map { $0 % 10 }
        var rng = NumpyRandomState(seed: 1)
        let split = try ValidationSplit.random(labels: labels, classes: 10, perClass: 20, rng: &rng)
        #expect(split.validation.count == 200 && split.train.count == 800)
        #expect(Set(split.train + split.validation) == Set(0..<1000))
        var again = NumpyRandomState(seed: 1)
        #expect(try ValidationSplit.random(labels: labels, classes: 10, perClass: 20, rng: &again) == split)
        var other = NumpyRandomState(seed: 2)
        #expect(try ValidationSplit.random(labels: labels, classes: 10, perClass: 20, rng: &other) != split)
        #expect(throws: DataError.self) {
            try ValidationSplit.random(labels: labels, classes: 10, perClass: 101, rng: &rng)
        }
        let leading = try ValidationSplit.leading(labels: labels, classes: 10, perClass: 2)
        #expect(Array(leading.validation.prefix(4)) == [0, 10, 1, 11])
    }
}

@Suite struct ShotGroupTests {
    @Test func trainingCountThresholds() {
        let groups = ShotGroups.byTrainingCount([500, 101, 100, 20, 19, 5])
        #expect(groups.many == [0, 1])
        #expect(groups.medium == [2, 3])
        #expect(groups.few == [4, 5])
        let means = groups.groupMeans([1, 0.5, 0.4, 0.2, 0.1, 0.3])
        #expect(means[.many] == 0.75)
        #expect(abs((means[.few] ?? 0) - 0.2) < 1e-12)
    }

    @Test func emptyGroupMeanIsZero() {
        let groups = ShotGroups.byTrainingCount([500, 400])
        #expect(groups.groupMeans([0.9, 0.8])[.few] == 0)
    }

    @Test func solarTopBottom() throws {
        let cifar10 = try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.01)
        let groups = try ShotGroups.topBottom(cifar10, many: 3, few: 3)
        #expect(groups.many == [0, 1, 2])
        #expect(groups.few == [7, 8, 9])
        #expect(groups.medium == [3, 4, 5, 6])
        // CIFAR-100 rho = 100 has tied tails: the few group is what the strict rule gives.
        let cifar100 = try LongTail.counts(head: 500, classes: 100, imbFactor: 0.01)
        let g100 = try ShotGroups.topBottom(cifar100, many: 33, few: 33)
        let sorted = cifar100.sorted()
        #expect(g100.many.count == cifar100.filter { $0 > sorted[66] }.count)
        #expect(g100.few.count == cifar100.filter { $0 < sorted[33] }.count)
        #expect(g100.many.count + g100.medium.count + g100.few.count == 100)
        #expect(throws: DataError.self) { try ShotGroups.topBottom([1, 2], many: 3, few: 0) }
    }
}
