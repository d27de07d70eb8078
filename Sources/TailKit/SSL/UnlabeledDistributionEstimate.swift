import Foundation

/// DARP's estimate of the unlabeled class counts (ytaek-oh/daso `lib/algorithm/darp_estim.py`, after
/// Lipton et al.'s black-box shift estimation): with P[j][i] the mean softmax probability of class j over
/// the validation images of true class i (each column sums to 1) and q̃_j = Σ over the unlabeled images
/// of softmax probability j,
///
///     q = P⁻¹ q̃,
///
/// accepted when no entry is negative and the 2-norm condition number of P is below 100 (DARP_ESTIM's
/// THRESH_COND).
///
/// ```swift
/// let e = try UnlabeledDistributionEstimate(validation: probs, labels: y, unlabeled: uProbs, classes: 10)
/// if e.accepted { print(e.counts) }
/// ```
public struct UnlabeledDistributionEstimate: Sendable {
    public var counts: [Double]
    public var conditionNumber: Double
    /// q̃: the unlabeled predictions' summed probabilities (what the model sees without correction).
    public var predicted: [Double]

    public var accepted: Bool { counts.allSatisfy { $0 >= 0 } && conditionNumber < 100 }

    public init(validation: [[Double]], labels: [Int], unlabeled: [[Double]], classes k: Int) throws {
        var confusion = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for (p, y) in zip(validation, labels) where y >= 0 && y < k {
            for j in 0..<k { confusion[j][y] += p[j] }
        }
        for i in 0..<k {
            let total = (0..<k).reduce(0) { $0 + confusion[$1][i] }
            guard total > 0 else {
                throw TailKitError.invalidOption("the unlabeled distribution cannot be estimated: the validation split has no image of class \(i)")
            }
            for j in 0..<k { confusion[j][i] /= total }
        }
        let summed = (0..<k).map { j in unlabeled.reduce(0) { $0 + $1[j] } }
        guard let inverse = Self.inverse(confusion) else {
            throw TailKitError.invalidOption("the unlabeled distribution cannot be estimated: the validation confusion matrix is singular")
        }
        predicted = summed
        counts = (0..<k).map { i in (0..<k).reduce(0) { $0 + inverse[i][$1] * summed[$1] } }
        conditionNumber = Self.largestSingularValue(confusion) * Self.largestSingularValue(inverse)
    }

    /// Gauss-Jordan with partial pivoting; nil when singular.
    static func inverse(_ m: [[Double]]) -> [[Double]]? {
        let n = m.count
        var a = m.enumerated().map { i, row in row + (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { Swift.abs(a[$0][col]) < Swift.abs(a[$1][col]) }), Swift.abs(a[pivot][col]) > 1e-300 else { return nil }
            a.swapAt(col, pivot)
            let d = a[col][col]
            a[col] = a[col].map { $0 / d }
            for r in 0..<n where r != col {
                let f = a[r][col]
                if f != 0 { a[r] = zip(a[r], a[col]).map { $0 - f * $1 } }
            }
        }
        return a.map { Array($0[n...]) }
    }

    /// σ_max(m) by power iteration on mᵀm.
    static func largestSingularValue(_ m: [[Double]]) -> Double {
        let n = m.count
        var v = [Double](repeating: 1 / Double(n).squareRoot(), count: n)
        var lambda = 0.0
        for _ in 0..<500 {
            let mv = (0..<n).map { i in (0..<n).reduce(0) { $0 + m[i][$1] * v[$1] } }
            let mtmv = (0..<n).map { j in (0..<n).reduce(0) { $0 + m[$1][j] * mv[$1] } }
            let norm = mtmv.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return 0 }
            v = mtmv.map { $0 / norm }
            lambda = norm
        }
        return lambda.squareRoot()
    }
}
