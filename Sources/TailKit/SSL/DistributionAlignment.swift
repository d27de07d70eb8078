import Foundation
import Torch

/// ReMixMatch's distribution alignment (Berthelot et al., ICLR 2020; spec `shared/spec/daso.md` §4.11,
/// ytaek-oh/daso `MODEL.DIST_ALIGN`): the model's predictions on unlabeled images are rescaled towards
/// a target class distribution,
///
///     π*_t = (π*)^t / Σ (π*)^t                     target, tempered (t = DIST_ALIGN.TEMPERATURE, 1.0)
///     p̄    = mean of the predictions of the last `capacity` (128) batches
///     q̃_b  = normalize(p_b · (π*_t + 1e−6) / (p̄ + 1e−6))   per row
///
/// π* is the labeled class distribution in the reference, or DARP's unlabeled one when DARP is on
/// (`aim`). The batch being aligned enters p̄ before it is aligned, as `lib/models/dist_align.py` does
/// (its queue enqueues, then averages). `ReMixMatchAlgorithm` aligns its guesses with it; the window is
/// task state (`stateTensors(prefix:)`).
/// A call may give its own temperature (CReST+'s progressive alignment, `lib/algorithm/fm_crest.py` and
/// `rm_crest.py`, passes t_g of the generation, as `lib/models/dist_align.py` takes `temperature=` per
/// call; with ReMixMatch it reaches the base's alignment through `ImbalanceAddOn.alignmentTemperature`).
///
/// ```swift
/// var da = try DistributionAlignment(target: [0.75, 0.25])
/// let q = try da.align(try Functional.softmax(weakLogits, dim: 1))
/// let q2 = try da.align(p, temperature: 0.5)       // π*_0.5 for this batch
/// ```
public struct DistributionAlignment {
    /// π*_t at the default temperature.
    public private(set) var target: [Double]
    /// π*, normalised (the target before tempering).
    public private(set) var distribution: [Double]
    /// The default temperature t.
    public let temperature: Double
    /// Batches p̄ averages over (128).
    public let capacity: Int
    /// Per batch in the window: the column sums of its predictions and its row count.
    private var window: [(sums: [Double], rows: Int)] = []

    public init(target: [Double], temperature: Double = 1, capacity: Int = 128) throws {
        guard !target.isEmpty, target.allSatisfy({ $0 >= 0 && $0.isFinite }), target.contains(where: { $0 > 0 }) else {
            throw TailKitError.invalidOption("distribution alignment needs a target distribution of non-negative numbers, got \(target)")
        }
        guard temperature > 0, temperature.isFinite, capacity >= 1 else {
            throw TailKitError.invalidOption("distribution alignment needs a positive temperature (\(temperature)) and window (\(capacity))")
        }
        let total = target.reduce(0, +)
        distribution = target.map { $0 / total }
        self.target = Self.tempered(distribution, temperature)
        self.temperature = temperature
        self.capacity = capacity
    }

    /// Aims at another target π* (tempered at the default temperature), keeping the window: ReMixMatch
    /// with DARP aligns to DARP's unlabeled class distribution once it is known.
    public mutating func aim(at target: [Double]) throws {
        guard target.count == self.target.count, target.allSatisfy({ $0 >= 0 && $0.isFinite }), target.contains(where: { $0 > 0 }) else {
            throw TailKitError.invalidOption("distribution alignment: the new target \(target) is not a distribution over \(self.target.count) classes")
        }
        let total = target.reduce(0, +)
        distribution = target.map { $0 / total }
        self.target = Self.tempered(distribution, temperature)
    }

    /// π*_t = (π*)^t / Σ (π*)^t.
    public static func tempered(_ distribution: [Double], _ temperature: Double) -> [Double] {
        let powered = distribution.map { Foundation.pow($0, temperature) }
        let total = powered.reduce(0, +)
        return powered.map { $0 / total }
    }

    /// p̄: the mean prediction over the rows of the batches in the window (nil before the first batch).
    public var runningMean: [Double]? {
        guard !window.isEmpty else { return nil }
        let rows = Double(window.reduce(0) { $0 + $1.rows })
        return (0..<target.count).map { c in window.reduce(0) { $0 + $1.sums[c] } / rows }
    }

    /// Adds the batch `p` [B, C] (class probabilities) to the window, dropping the oldest batch past
    /// `capacity`, then returns the aligned rows q̃; `temperature` replaces the default one for this
    /// batch.
    public mutating func align(_ p: Tensor, temperature: Double? = nil) throws -> Tensor {
        guard p.shape.count == 2, p.shape[1] == target.count else {
            throw TailKitError.invalidOption("distribution alignment expects [B, \(target.count)] probabilities, got \(p.shape)")
        }
        if let temperature, !(temperature > 0 && temperature.isFinite) {
            throw TailKitError.invalidOption("distribution alignment needs a positive temperature, got \(temperature)")
        }
        let target = temperature.map { Self.tempered(distribution, $0) } ?? self.target
        let probabilities = try p.detach()
        window.append((try probabilities.to(.float64).sum(dim: 0).toArray(Double.self), p.shape[0]))
        if window.count > capacity { window.removeFirst() }
        let mean = runningMean ?? target
        let ratio = zip(target, mean).map { Float(($0 + 1e-6) / ($1 + 1e-6)) }
        let scaled = try probabilities * (try Tensor(ratio).to(device: p.device).to(p.dtype))
        return try scaled / scaled.sum(dim: 1, keepDim: true)
    }

    /// The window for a checkpoint: per batch its column sums (`<prefix>.sums`, [k, C]) and row
    /// counts (`<prefix>.rows`, [k]).
    public func stateTensors(prefix: String) throws -> [(String, Tensor)] {
        let sums = window.flatMap(\.sums), rows = window.map { Int64($0.rows) }
        return [("\(prefix).sums", try Tensor(sums).reshape([window.count, target.count])), ("\(prefix).rows", try Tensor(rows))]
    }

    /// Puts back the window `stateTensors(prefix:)` saved.
    public mutating func restore(_ state: [(String, Tensor)], prefix: String) throws {
        let sums = try stateTensor(state, "\(prefix).sums").to(.float64).toArray(Double.self)
        let rows = try stateTensor(state, "\(prefix).rows").toArray(Int.self)
        let c = target.count
        guard sums.count == rows.count * c else {
            throw TailKitError.invalidOption("the checkpoint's \(prefix) window holds \(sums.count) sums for \(rows.count) batches of \(c) classes")
        }
        window = rows.indices.map { (Array(sums[$0 * c..<($0 + 1) * c]), rows[$0]) }
    }
}
