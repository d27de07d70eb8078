import Testing
@testable import TailData

@Suite struct SamplerTests {
    /// CIFAR-10-LT rho = 100 labels, class 0's block first.
    private func longTailLabels() throws -> [Int] {
        let counts = try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.01)
        return counts.enumerated().flatMap { [Int](repeating: $0.offset, count: $0.element) }
    }

    private func frequencies(_ indices: [Int], labels: [Int], classes: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: classes)
        for i in indices { counts[labels[i]] += 1 }
        return counts.map { $0 / Double(indices.count) }
    }

    @Test func shuffleIsAPermutationPerEpoch() throws {
        let sampler = try ShuffleSampler(count: 1000, seed: 42)
        let e0 = sampler.indices(epoch: 0)
        #expect(e0.sorted() == Array(0..<1000))
        #expect(e0 == sampler.indices(epoch: 0))
        #expect(e0 == (try ShuffleSampler(count: 1000, seed: 42)).indices(epoch: 0))
        #expect(e0 != sampler.indices(epoch: 1))
        #expect(e0 != (try ShuffleSampler(count: 1000, seed: 43)).indices(epoch: 0))
    }

    @Test func batchingWithAndWithoutDropLast() throws {
        let sampler = try ShuffleSampler(count: 10, seed: 1)
        let kept = try sampler.batches(epoch: 0, batchSize: 4, dropLast: true)
        #expect(kept.map(\.count) == [4, 4])
        let all = try sampler.batches(epoch: 0, batchSize: 4, dropLast: false)
        #expect(all.map(\.count) == [4, 4, 2])
        #expect(all.flatMap { $0 } == sampler.indices(epoch: 0))
        #expect(SamplerBatching.batchCount(10, batchSize: 4, dropLast: true) == 2)
        #expect(SamplerBatching.batchCount(10, batchSize: 4, dropLast: false) == 3)
        #expect(throws: DataError.self) { try SamplerBatching.batches([1], batchSize: 0, dropLast: false) }
    }

    @Test func resampleBalancesRho100() throws {
        let labels = try longTailLabels()
        let sampler = try ResampleSampler(labels: labels, classes: 10, weighting: .effectiveNumber(beta: 0.9999),
                                          seed: 7)
        #expect(sampler.epochLength == 12406)
        var drawn: [Int] = []
        for epoch in 0..<8 { drawn += sampler.indices(epoch: epoch) }
        #expect(drawn.allSatisfy { $0 >= 0 && $0 < labels.count })
        let observed = frequencies(drawn, labels: labels, classes: 10)
        for c in 0..<10 { #expect(abs(observed[c] - sampler.classProbabilities[c]) < 0.01) }
        // beta = 0.9999 is not fully balanced (head weight still ~ n / (1 - beta^n)), but every class
        // lands within a factor ~2.5 of uniform instead of the raw 100x spread.
        #expect(sampler.classProbabilities.allSatisfy { $0 > 0.04 && $0 < 0.25 })
        #expect(sampler.indices(epoch: 3) == sampler.indices(epoch: 3))
        #expect(sampler.indices(epoch: 3) != sampler.indices(epoch: 4))
    }

    @Test func inverseFrequencyIsUniformOverClasses() throws {
        let labels = try longTailLabels()
        let sampler = try ResampleSampler(labels: labels, classes: 10, weighting: .inverseFrequency,
                                          epochLength: 100_000, seed: 3)
        for p in sampler.classProbabilities { #expect(abs(p - 0.1) < 1e-9) }
        let observed = frequencies(sampler.indices(epoch: 0), labels: labels, classes: 10)
        for f in observed { #expect(abs(f - 0.1) < 0.006) }
    }

    @Test func squareRootSampling() throws {
        let labels = try longTailLabels()
        let counts = try LongTail.counts(head: 5000, classes: 10, imbFactor: 0.01)
        let sampler = try ResampleSampler(labels: labels, classes: 10, weighting: .squareRoot,
                                          epochLength: 100_000, seed: 5)
        let roots = counts.map { Double($0).squareRoot() }
        let total = roots.reduce(0, +)
        for c in 0..<10 { #expect(abs(sampler.classProbabilities[c] - roots[c] / total) < 1e-9) }
        let observed = frequencies(sampler.indices(epoch: 0), labels: labels, classes: 10)
        for c in 0..<10 { #expect(abs(observed[c] - roots[c] / total) < 0.006) }
    }

    @Test func classAwareRoundRobin() throws {
        let labels = try longTailLabels()
        let sampler = try ClassAwareSampler(labels: labels, classes: 10, samplesPerClass: 4, seed: 11)
        #expect(sampler.epochLength == 50_000)
        let order = sampler.indices(epoch: 0)
        #expect(order.count == 50_000)
        // Runs of 4 share a class, and every 10 runs visit each class exactly once.
        let runClasses = stride(from: 0, to: order.count, by: 4).map { labels[order[$0]] }
        for (r, start) in stride(from: 0, to: order.count, by: 4).enumerated() {
            #expect(order[start..<(start + 4)].allSatisfy { labels[$0] == runClasses[r] })
        }
        for round in stride(from: 0, to: runClasses.count, by: 10) {
            #expect(Set(runClasses[round..<(round + 10)]).count == 10)
        }
        // The tail class (50 images) cycles through all its images before repeating one.
        let tail = order.filter { labels[$0] == 9 }
        #expect(Set(tail.prefix(50)).count == 50)
        #expect(Set(tail).count == 50)
        #expect(order == sampler.indices(epoch: 0))
        #expect(order != sampler.indices(epoch: 1))
        let short = try ClassAwareSampler(labels: labels, classes: 10, epochLength: 10, seed: 11)
        #expect(short.indices(epoch: 0).count == 10)
    }

    @Test func pairedBatchesAtRatioMu() throws {
        var sampler = try PairedBatchSampler(labeledCount: 100, unlabeledCount: 250, labeledBatch: 16, mu: 2, seed: 9)
        #expect(sampler.unlabeledBatch == 32)
        var labeledSeen: [Int] = [], unlabeledSeen: [Int] = []
        for step in 0..<50 {
            let batch = sampler.batch(step: step)
            #expect(batch.labeled.count == 16 && batch.unlabeled.count == 32)
            labeledSeen += batch.labeled
            unlabeledSeen += batch.unlabeled
        }
        // Each stream is a chain of full permutations: every pass covers every index once.
        #expect(labeledSeen.prefix(100).sorted() == Array(0..<100))
        #expect(labeledSeen.dropFirst(100).prefix(100).sorted() == Array(0..<100))
        #expect(unlabeledSeen.prefix(250).sorted() == Array(0..<250))
        #expect(unlabeledSeen.dropFirst(250).prefix(250).sorted() == Array(0..<250))
        #expect(labeledSeen.prefix(100) != labeledSeen.dropFirst(100).prefix(100))
        // Random access gives the same batch as walking there.
        var fresh = try PairedBatchSampler(labeledCount: 100, unlabeledCount: 250, labeledBatch: 16, mu: 2, seed: 9)
        let late = fresh.batch(step: 37)
        #expect(late.labeled == Array(labeledSeen[(37 * 16)..<(38 * 16)]))
        #expect(late.unlabeled == Array(unlabeledSeen[(37 * 32)..<(38 * 32)]))
        #expect(throws: DataError.self) {
            try PairedBatchSampler(labeledCount: 0, unlabeledCount: 10, labeledBatch: 4, mu: 1, seed: 0)
        }
    }

    @Test func badLabelsThrow() {
        #expect(throws: DataError.self) {
            try ResampleSampler(labels: [0, 3], classes: 2, weighting: .inverseFrequency, seed: 0)
        }
        #expect(throws: DataError.self) { try ClassAwareSampler(labels: [-1], classes: 2, seed: 0) }
        #expect(throws: DataError.self) { try ResampleSampler(labels: [], classes: 2, weighting: .squareRoot, seed: 0) }
    }
}
