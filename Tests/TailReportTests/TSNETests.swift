import Foundation
import Testing
import TailReport

/// `classes` Gaussian clusters of `perClass` points, centres `separation` apart along separate axes.
private func tsneClusters(classes: Int, perClass: Int, dimensions: Int, separation: Double, seed: UInt64) -> (points: [[Float]], labels: [Int]) {
    var rng = TSNERandom(seed: seed)
    var points: [[Float]] = [], labels: [Int] = []
    for c in 0..<classes {
        for _ in 0..<perClass {
            points.append((0..<dimensions).map { d in Float((d == c ? separation : 0) + rng.nextGaussian()) })
            labels.append(c)
        }
    }
    return (points, labels)
}

/// Fraction of each point's k nearest embedded neighbours that share its label.
private func tsneNeighbourPurity(_ embedding: [(x: Double, y: Double)], labels: [Int], k: Int) -> Double {
    var same = 0
    for i in embedding.indices {
        let nearest = embedding.indices.filter { $0 != i }.sorted { a, b in
            let da = pow(embedding[a].x - embedding[i].x, 2) + pow(embedding[a].y - embedding[i].y, 2)
            let db = pow(embedding[b].x - embedding[i].x, 2) + pow(embedding[b].y - embedding[i].y, 2)
            return da < db
        }.prefix(k)
        same += nearest.filter { labels[$0] == labels[i] }.count
    }
    return Double(same) / Double(embedding.count * k)
}

@Suite struct TSNETests {
    @Test func separatesWellSeparatedClusters() throws {
        let data = tsneClusters(classes: 3, perClass: 40, dimensions: 10, separation: 12, seed: 1)
        let embedding = try TSNE(perplexity: 10, iterations: 500, seed: 3).embed(data.points)
        #expect(embedding.count == 120)
        #expect(embedding.allSatisfy { $0.x.isFinite && $0.y.isFinite })
        #expect(tsneNeighbourPurity(embedding, labels: data.labels, k: 5) >= 0.95)
        // Clusters must be apart, not a collapsed blob: centres further apart than the clusters are wide.
        let centres = (0..<3).map { c -> (Double, Double) in
            let members = embedding.indices.filter { data.labels[$0] == c }.map { embedding[$0] }
            return (members.map(\.x).reduce(0, +) / 40, members.map(\.y).reduce(0, +) / 40)
        }
        let radius = embedding.indices.map { i in
            hypot(embedding[i].x - centres[data.labels[i]].0, embedding[i].y - centres[data.labels[i]].1)
        }.max() ?? 0
        let gap = hypot(centres[0].0 - centres[1].0, centres[0].1 - centres[1].1)
        #expect(gap > radius)
    }

    @Test func reducesWideInputsWithPCA() throws {
        let data = tsneClusters(classes: 3, perClass: 30, dimensions: 120, separation: 12, seed: 2)
        var tsne = TSNE(perplexity: 8, iterations: 400, seed: 1)
        tsne.pcaDimensions = 20
        let embedding = try tsne.embed(data.points)
        #expect(tsneNeighbourPurity(embedding, labels: data.labels, k: 5) >= 0.95)
    }

    @Test func sameSeedSameEmbedding() throws {
        let data = tsneClusters(classes: 2, perClass: 20, dimensions: 5, separation: 6, seed: 4)
        let first = try TSNE(perplexity: 5, iterations: 150, seed: 9).embed(data.points)
        let second = try TSNE(perplexity: 5, iterations: 150, seed: 9).embed(data.points)
        let other = try TSNE(perplexity: 5, iterations: 150, seed: 10).embed(data.points)
        #expect(zip(first, second).allSatisfy { $0.0.x == $0.1.x && $0.0.y == $0.1.y })
        #expect(!zip(first, other).allSatisfy { $0.0.x == $0.1.x && $0.0.y == $0.1.y })
    }

    @Test func divergenceDecreases() throws {
        let data = tsneClusters(classes: 3, perClass: 25, dimensions: 8, separation: 8, seed: 5)
        var tsne = TSNE(perplexity: 10, iterations: 600, seed: 2)
        tsne.divergenceInterval = 25
        let result = try tsne.fit(data.points)
        let history = result.divergenceHistory
        #expect(history.count == 24)
        #expect(history.last?.iteration == 600)
        #expect(result.divergence == history.last?.divergence)
        #expect(history.allSatisfy { $0.divergence >= 0 && $0.divergence.isFinite })
        let first = try #require(history.first?.divergence)
        #expect(result.divergence < first * 0.8)
        // After early exaggeration ends, plain gradient descent with momentum only goes downhill.
        let late = history.filter { $0.iteration >= 400 }.map(\.divergence)
        #expect(zip(late, late.dropFirst()).allSatisfy { $0.1 <= $0.0 + 1e-3 })
    }

    @Test func rejectsBadInput() {
        let five: [[Float]] = (0..<5).map { [Float($0), 0] }
        #expect(throws: TSNEError.tooFewPoints(1)) { try TSNE().embed([[1, 2]]) }
        #expect(throws: TSNEError.tooFewPoints(0)) { try TSNE().embed([]) }
        #expect(throws: TSNEError.perplexityTooLarge(perplexity: 30, points: 50, maximum: 49.0 / 3)) {
            try TSNE(perplexity: 30).embed((0..<50).map { [Float($0)] })
        }
        #expect(throws: TSNEError.ragged(row: 2, expected: 2, found: 1)) {
            try TSNE(perplexity: 1).embed([[0, 0], [1, 1], [2]] + five)
        }
        #expect(throws: TSNEError.nonFinite(row: 1, column: 1)) {
            try TSNE(perplexity: 1).embed([[0, 0], [1, .nan]] + five)
        }
        #expect(throws: TSNEError.self) { try TSNE(perplexity: 1, iterations: 0).embed(five) }
        #expect(throws: TSNEError.self) { try TSNE(perplexity: 0.5).embed(five) }
        #expect(throws: TSNEError.self) { try TSNE(perplexity: 1).embed([[], []] + five.map { _ in [Float]() }) }
        let message = TSNEError.perplexityTooLarge(perplexity: 30, points: 50, maximum: 49.0 / 3).description
        #expect(message.contains("30") && message.contains("50 points"))
    }

    @Test func handlesDuplicatePointsAndSmallSets() throws {
        let same: [[Float]] = Array(repeating: [1, 2, 3], count: 10)
        let embedding = try TSNE(perplexity: 2, iterations: 100, seed: 0).embed(same)
        #expect(embedding.count == 10 && embedding.allSatisfy { $0.x.isFinite && $0.y.isFinite })
        let tiny = try TSNE(perplexity: 1, iterations: 50, seed: 0).fit([[0, 0], [1, 0], [0, 1], [5, 5]])
        #expect(tiny.points.count == 4 && tiny.divergence.isFinite)
    }

    @Test func randomIsSeededAndUniform() {
        var a = TSNERandom(seed: 42), b = TSNERandom(seed: 42)
        let draws = (0..<1000).map { _ in a.nextUnit() }
        #expect(draws == (0..<1000).map { _ in b.nextUnit() })
        #expect(draws.allSatisfy { $0 > 0 && $0 <= 1 })
        let mean = draws.reduce(0, +) / 1000
        #expect(abs(mean - 0.5) < 0.05)
        var g = TSNERandom(seed: 1)
        let gaussians = (0..<4000).map { _ in g.nextGaussian() }
        let gMean = gaussians.reduce(0, +) / 4000
        let variance = gaussians.map { ($0 - gMean) * ($0 - gMean) }.reduce(0, +) / 4000
        #expect(abs(gMean) < 0.06 && abs(variance - 1) < 0.08)
    }
}
