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
/// π* is the labeled class distribution in the reference, or DARP's unlabeled one when DARP is on (`aim`). The batch being aligned enters p̄ before it
/// is aligned, as `lib/models/dist_align.py` does (its queue enqueues, then averages).
/// `ReMixMatchAlgorithm` aligns its guesses with it; the window is task state (`flattened`).
///
/// ```swift
/// var da = try DistributionAlignment(target: [0.75, 0.25])
/// let q = try da.align(try Functional.softmax(weakLogits, dim: 1))
/// ```
public struct DistributionAlignment {
    /// π*_t.
    public private(set) var target: [Double]
    /// t.
    public let temperature: Double
    /// Batches p̄ averages over (128).
    public let capacity: Int
    /// Per batch in the window: the column sums of its predictions and its row count.
    private var window: [(sums: [Double], rows: Int)] = []

    public init(target: [Double], temperature: Double = 1, capacity: Int = 128) throws {
        guard temperature > 0, temperature.isFinite, capacity >= 1 else {
            throw TailKitError.invalidOption("distribution alignment needs a positive temperature (\(temperature)) and window (\(capacity))")
        }
        self.temperature = temperature
        self.capacity = capacity
        self.target = try Self.tempered(target, temperature: temperature)
    }

    /// Aims at another target π* (tempered as at the start), keeping the window: ReMixMatch with DARP
    /// aligns to DARP's unlabeled class distribution once it is known.
    public mutating func aim(at target: [Double]) throws {
        guard target.count == self.target.count else {
            throw TailKitError.invalidOption("distribution alignment: a target of \(target.count) classes for \(self.target.count)")
        }
        self.target = try Self.tempered(target, temperature: temperature)
    }

    /// (π*)^t / Σ (π*)^t.
    static func tempered(_ target: [Double], temperature: Double) throws -> [Double] {
        guard !target.isEmpty, target.allSatisfy({ $0 >= 0 && $0.isFinite }), target.contains(where: { $0 > 0 }) else {
            throw TailKitError.invalidOption("distribution alignment needs a target distribution of non-negative numbers, got \(target)")
        }
        let tempered = target.map { Foundation.pow($0, temperature) }
        let total = tempered.reduce(0, +)
        return tempered.map { $0 / total }
    }

    /// p̄: the mean prediction over the rows of the batches in the window (nil before the first batch).
    public var runningMean: [Double]? {
        guard !window.isEmpty else { return nil }
        let rows = Double(window.reduce(0) { $0 + $1.rows })
        return (0..<target.count).map { c in window.reduce(0) { $0 + $1.sums[c] } / rows }
    }

    /// The window for the checkpoint: the number of batches, then per batch its row count and its C
    /// column sums.
    public var flattened: [Double] {
        [Double(window.count)] + window.flatMap { [Double($0.rows)] + $0.sums }
    }

    /// Puts back a window saved by `flattened`.
    public mutating func restore(flattened values: [Double]) throws {
        let width = 1 + target.count
        guard let first = values.first, first >= 0, Double(Int(first)) == first, values.count == 1 + Int(first) * width,
              Int(first) <= capacity else {
            throw TailKitError.invalidOption("the checkpoint's distribution-alignment window (\(values.count) numbers) does not fit \(target.count) classes and \(capacity) batches")
        }
        window = (0..<Int(first)).map { i in
            let row = values[(1 + i * width)..<(1 + (i + 1) * width)]
            return (Array(row.dropFirst()), Int(row[row.startIndex]))
        }
    }

    /// Adds the batch `p` [B, C] (class probabilities) to the window, dropping the oldest batch past
    /// `capacity`, then returns the aligned rows q̃.
    public mutating func align(_ p: Tensor) throws -> Tensor {
        guard p.shape.count == 2, p.shape[1] == target.count else {
            throw TailKitError.invalidOption("distribution alignment expects [B, \(target.count)] probabilities, got \(p.shape)")
        }
        let probabilities = try p.detach()
        window.append((try probabilities.to(.float64).sum(dim: 0).toArray(Double.self), p.shape[0]))
        if window.count > capacity { window.removeFirst() }
        let mean = runningMean ?? target
        let ratio = zip(target, mean).map { Float(($0 + 1e-6) / ($1 + 1e-6)) }
        let scaled = try probabilities * (try Tensor(ratio).to(device: p.device).to(p.dtype))
        return try scaled / scaled.sum(dim: 1, keepDim: true)
    }
}
