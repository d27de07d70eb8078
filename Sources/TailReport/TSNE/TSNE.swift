import Dispatch
import Foundation

/// Exact t-SNE (van der Maaten & Hinton 2008) for up to a few thousand points, e.g. a model's
/// features of the test set, coloured by class, to see whether tail classes get their own clusters.
/// Cost is O(N²) time and memory per iteration; 1,000 points × 1,000 iterations take seconds.
public struct TSNE: Sendable {
    public var perplexity: Double
    public var iterations: Int
    public var seed: UInt64
    /// P is multiplied by this for the first `exaggerationIterations` iterations, which lets
    /// clusters form and separate early.
    public var earlyExaggeration = 12.0
    public var exaggerationIterations = 250
    /// nil: max(200, N / 12), so big sets do not stall at a too-small step.
    public var learningRate: Double? = nil
    /// Inputs with more dimensions are first projected onto this many principal components; nil keeps them.
    public var pcaDimensions: Int? = 50
    /// How often the KL divergence is recorded in `Embedding.divergenceHistory`.
    public var divergenceInterval = 50

    public init(perplexity: Double = 30, iterations: Int = 1000, seed: UInt64 = 0) {
        self.perplexity = perplexity
        self.iterations = iterations
        self.seed = seed
    }

    public struct Embedding: Sendable {
        /// One 2-D position per input point, in input order, centred on the origin.
        public var points: [(x: Double, y: Double)]
        /// KL(P ‖ Q) of the final embedding, against the true (not exaggerated) P.
        public var divergence: Double
        /// (iteration, KL) every `divergenceInterval` iterations and after the last one.
        public var divergenceHistory: [(iteration: Int, divergence: Double)]
    }

    /// The 2-D embedding of `points` (each row one point, all rows the same length).
    public func embed(_ points: [[Float]]) throws -> [(x: Double, y: Double)] {
        try fit(points).points
    }

    /// The embedding together with its KL divergence.
    public func fit(_ points: [[Float]]) throws -> Embedding {
        let (data, dimensions) = try validated(points)
        let count = points.count
        var rng = TSNERandom(seed: seed)
        var features = data, featureDimensions = dimensions
        if let target = pcaDimensions, target > 0, dimensions > target, count > 1 {
            features = TSNEPCA.reduce(data, count: count, dimensions: dimensions, components: target, rng: &rng)
            featureDimensions = target
        }
        let p = TSNEAffinities.joint(features, count: count, dimensions: featureDimensions, perplexity: perplexity)
        var optimizer = TSNEOptimizer(p: p, count: count, rng: &rng)
        let rate = learningRate ?? max(200, Double(count) / 12)
        var history: [(iteration: Int, divergence: Double)] = []
        for iteration in 1...iterations {
            let exaggerating = iteration <= exaggerationIterations
            optimizer.step(exaggeration: exaggerating ? earlyExaggeration : 1,
                           momentum: exaggerating ? 0.5 : 0.8, learningRate: rate)
            if iteration % max(1, divergenceInterval) == 0 || iteration == iterations {
                history.append((iteration, optimizer.divergence()))
            }
        }
        return Embedding(points: optimizer.positions(), divergence: history.last?.divergence ?? .nan,
                         divergenceHistory: history)
    }

    /// The points as one row-major buffer, after checking everything the optimisation relies on.
    private func validated(_ points: [[Float]]) throws -> (data: [Double], dimensions: Int) {
        guard points.count >= 2 else { throw TSNEError.tooFewPoints(points.count) }
        guard perplexity.isFinite, perplexity >= 1 else {
            throw TSNEError.invalidSetting("perplexity must be at least 1, got \(perplexity)")
        }
        let maximum = Double(points.count - 1) / 3
        guard perplexity <= maximum else {
            throw TSNEError.perplexityTooLarge(perplexity: perplexity, points: points.count, maximum: maximum)
        }
        guard iterations >= 1 else { throw TSNEError.invalidSetting("iterations must be at least 1, got \(iterations)") }
        if let rate = learningRate, !(rate.isFinite && rate > 0) {
            throw TSNEError.invalidSetting("learning rate must be positive, got \(rate)")
        }
        guard earlyExaggeration.isFinite, earlyExaggeration >= 1 else {
            throw TSNEError.invalidSetting("early exaggeration must be at least 1, got \(earlyExaggeration)")
        }
        let dimensions = points[0].count
        guard dimensions > 0 else { throw TSNEError.invalidSetting("points have no coordinates") }
        var data = [Double]()
        data.reserveCapacity(points.count * dimensions)
        for (row, point) in points.enumerated() {
            guard point.count == dimensions else { throw TSNEError.ragged(row: row, expected: dimensions, found: point.count) }
            for (column, value) in point.enumerated() {
                guard value.isFinite else { throw TSNEError.nonFinite(row: row, column: column) }
                data.append(Double(value))
            }
        }
        return (data, dimensions)
    }
}
