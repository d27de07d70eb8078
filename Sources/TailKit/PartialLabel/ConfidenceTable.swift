import TailData
import Torch

/// The per-sample soft labels of partial-label learning: W ∈ [0, 1]^{N×C}, row n a distribution
/// over sample n's candidate labels, starting uniform: W[n] = Y[n] / |Y[n]| (RECORDS-LTPLL
/// `utils/cifar10.py`, the `confidence` that `train.py` hands its loss). A method reads the rows of a
/// batch by dataset index, and writes back the rows it disambiguated.
///
/// ```swift
/// var table = ConfidenceTable(candidates: sets)
/// let w = try table.tensor(rows: batch.indices)          // [B, C]
/// try table.set(rows: batch.indices, to: updated)         // B·C floats, row-major
/// ```
public struct ConfidenceTable: Sendable, Equatable {
    public let classes: Int
    /// Row-major N×C.
    public private(set) var values: [Float]

    public var count: Int { classes == 0 ? 0 : values.count / classes }

    public init(candidates: CandidateLabels) {
        classes = candidates.classes
        var values = [Float](repeating: 0, count: candidates.mask.count)
        for n in 0..<candidates.count {
            let row = candidates.mask[(n * classes)..<((n + 1) * classes)]
            let size = Float(row.reduce(0) { $0 + Int($1) })
            for c in 0..<classes where row[row.startIndex + c] != 0 { values[n * classes + c] = 1 / size }
        }
        self.values = values
    }

    /// A table of given values (a checkpoint's task state).
    public init(classes: Int, values: [Float]) throws {
        guard classes > 0, values.count % classes == 0 else {
            throw TailKitError.invalidOption("a confidence table of \(values.count) values does not have \(classes) classes per row")
        }
        self.classes = classes
        self.values = values
    }

    /// The rows of `indices`, row-major B×C.
    public func rows(_ indices: [Int]) -> [Float] {
        var out = [Float](); out.reserveCapacity(indices.count * classes)
        for n in indices { out += values[(n * classes)..<((n + 1) * classes)] }
        return out
    }

    /// The rows of `indices` as a [B, C] float tensor.
    public func tensor(rows indices: [Int], device: Device = .cpu) throws -> Tensor {
        try Tensor(rows(indices), shape: [indices.count, classes]).to(device: device)
    }

    /// Replaces the rows of `indices` with `newRows` (B·C floats, row-major).
    public mutating func set(rows indices: [Int], to newRows: [Float]) throws {
        guard newRows.count == indices.count * classes else {
            throw TailKitError.invalidOption("confidence update: \(newRows.count) values for \(indices.count) rows of \(classes)")
        }
        for (i, n) in indices.enumerated() {
            values.replaceSubrange((n * classes)..<((n + 1) * classes), with: newRows[(i * classes)..<((i + 1) * classes)])
        }
    }

    /// The whole table as an [N, C] tensor (a checkpoint's task state).
    public func tensor() throws -> Tensor { try Tensor(values, shape: [count, classes]) }

    /// Share (%) of the samples `indices` (all by default) whose true label `labels[n]` has a larger
    /// confidence than every other label: how well the candidate sets are disambiguated. A tie (the
    /// uniform start) does not count, so the figure starts near 0 however the classes are numbered.
    public func disambiguationAccuracy(labels: [Int], indices: [Int]? = nil) -> Double {
        let ids = indices ?? Array(0..<count)
        guard !ids.isEmpty else { return 0 }
        let hits = ids.filter { isResolved(row: $0, to: labels[$0]) }.count
        return 100 * Double(hits) / Double(ids.count)
    }

    /// Mean number of labels per sample still plausible: confidence at least `threshold`
    /// (a label the method has all but ruled out no longer counts).
    public func plausibleSetSize(indices: [Int]? = nil, threshold: Float = ConfidenceTable.plausibleThreshold) -> Double {
        let ids = indices ?? Array(0..<count)
        guard !ids.isEmpty else { return 0 }
        let total = ids.reduce(0) { sum, n in
            sum + values[(n * classes)..<((n + 1) * classes)].filter { $0 >= threshold }.count
        }
        return Double(total) / Double(ids.count)
    }

    /// Mean over samples of the largest confidence (the reference's `MMC` in `result.log`).
    public func meanMaxConfidence() -> Double {
        guard count > 0 else { return 0 }
        let total = (0..<count).reduce(0.0) { $0 + Double(values[($1 * classes)..<(($1 + 1) * classes)].max() ?? 0) }
        return total / Double(count)
    }

    /// The confidence below which a label no longer counts as plausible.
    public static let plausibleThreshold: Float = 0.01

    private func isResolved(row n: Int, to label: Int) -> Bool {
        let top = values[n * classes + label]
        for c in 0..<classes where c != label && values[n * classes + c] >= top { return false }
        return true
    }
}
