import Foundation

/// Named results of a step, an epoch or an evaluation, as open as the methods that make them: a
/// new algorithm's mask ratio or candidate-set size is one more name, and every hook, the run
/// log, TensorBoard and the report take it as it comes.
///
/// - `scalars`: one number per name ("loss", "accuracy", "top1", "mask_ratio", ...).
/// - `vectors`: one number per class ("per_class", "train_counts", "pl_precision", ...).
/// - `matrices`: counts such as the confusion matrix (rows = true class).
///
/// ```swift
/// var m = Metrics()
/// m.scalars["top1"] = 71.2
/// m.vectors["per_class"] = [90, 80, 40]
/// ```
///
/// JSON has no NaN or infinity, so `eval_last.json`, `test_metrics.json` and the run log write a
/// non-finite scalar or vector entry (a diverged evaluation loss, say) as `null`, which reads back
/// as NaN; the files stay valid JSON whatever the numbers.
public struct Metrics: Codable, Sendable, Equatable {
    public var scalars: [String: Double]
    public var vectors: [String: [Double]]
    public var matrices: [String: [[Int]]]

    public init(scalars: [String: Double] = [:], vectors: [String: [Double]] = [:], matrices: [String: [[Int]]] = [:]) {
        self.scalars = scalars
        self.vectors = vectors
        self.matrices = matrices
    }

    public var isEmpty: Bool { scalars.isEmpty && vectors.isEmpty && matrices.isEmpty }

    enum CodingKeys: String, CodingKey { case scalars, vectors, matrices }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scalars = try c.decode([String: Double?].self, forKey: .scalars).mapValues { $0 ?? .nan }
        vectors = try c.decode([String: [Double?]].self, forKey: .vectors).mapValues { $0.map { $0 ?? .nan } }
        matrices = try c.decode([String: [[Int]]].self, forKey: .matrices)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scalars.mapValues(Self.finiteOrNil), forKey: .scalars)
        try c.encode(vectors.mapValues { $0.map(Self.finiteOrNil) }, forKey: .vectors)
        try c.encode(matrices, forKey: .matrices)
    }

    private static func finiteOrNil(_ x: Double) -> Double? { x.isFinite ? x : nil }

    /// Names of the scalars that are NaN or infinite.
    public var nonFiniteScalars: [String] { scalars.filter { !$0.value.isFinite }.keys.sorted() }

    /// The scalars in name order, for stable output.
    public var sortedScalars: [(String, Double)] { scalars.sorted { $0.key < $1.key } }
}

/// Running, sample-weighted means of the scalars a task reports for each batch, plus throughput:
/// mean_k = Σ_b n_b · x_{b,k} / Σ_b n_b over the batches b that reported k.
struct MetricMeter {
    private var start = DispatchTime.now().uptimeNanoseconds
    private var sums: [String: Double] = [:]
    private var weights: [String: Double] = [:]
    private(set) var samples = 0
    private(set) var steps = 0

    mutating func add(_ scalars: [String: Double], count: Int) {
        for (name, value) in scalars {
            sums[name, default: 0] += value * Double(count)
            weights[name, default: 0] += Double(count)
        }
        samples += count
        steps += 1
    }

    var means: [String: Double] {
        sums.reduce(into: [:]) { out, entry in out[entry.key] = entry.value / max(1e-12, weights[entry.key] ?? 1) }
    }

    var imagesPerSecond: Double {
        Double(samples) / max(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 1e-9)
    }

    mutating func reset() { self = MetricMeter() }
}
