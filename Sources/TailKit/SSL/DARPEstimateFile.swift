import TailData

/// DARP's target from an estimated unlabeled class distribution on disk (`--darp-estimate FILE`): the
/// reference ships these as `darp_estim/{dataset}_l_{N_1}_{γ_l}_ul_{M_1}_{γ_u}_[rev_]estim.npyz`, plain
/// NumPy `.npy` vectors (float32 or float64, one estimated count per class) despite the extension, and
/// scales them to the unlabeled total (ytaek-oh/daso `lib/algorithm/darp_reproduce.py`; STL-10's total
/// is its 100,000 unlabeled images):
///
///     c_k = N_u · e_k / Σ_j e_j
///
/// ```swift
/// let target = try DARPEstimateFile.counts(path: "stl10_l_450_10_ul_-1_-1_estim.npyz", classes: 10, unlabeledTotal: 100_000)
/// ```
public enum DARPEstimateFile {
    public static func counts(path: String, classes: Int, unlabeledTotal: Int) throws -> [Double] {
        let estimate: [Double]
        do {
            estimate = try NumPyVectorFile.read(path: path)
        } catch let error as DataError {
            throw TailKitError.invalidOption("--darp-estimate \(path): \(error)")
        }
        return try scaled(estimate, path: path, classes: classes, unlabeledTotal: unlabeledTotal)
    }

    /// `estimate` checked (one finite, non-negative count per class, not all zero) and scaled to `unlabeledTotal`.
    public static func scaled(_ estimate: [Double], path: String, classes: Int, unlabeledTotal: Int) throws -> [Double] {
        func fail(_ problem: String) -> TailKitError { .invalidOption("--darp-estimate \(path): \(problem)") }
        guard estimate.count == classes else { throw fail("\(estimate.count) values; the data set has \(classes) classes") }
        if let i = estimate.firstIndex(where: { !$0.isFinite }) { throw fail("value \(i) is \(estimate[i]), not a finite number") }
        if let i = estimate.firstIndex(where: { $0 < 0 }) { throw fail("value \(i) is \(estimate[i]), a negative count") }
        let total = estimate.reduce(0, +)
        guard total > 0 else { throw fail("the counts sum to 0") }
        return estimate.map { Double(unlabeledTotal) * $0 / total }
    }
}
