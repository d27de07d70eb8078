import Dispatch

/// PCA pre-reduction for t-SNE: projects centred points onto their top principal subspace. Only
/// the subspace matters (t-SNE sees distances, which a rotation inside it keeps), so orthogonal
/// subspace iteration on the covariance is enough, without an exact eigen decomposition.
enum TSNEPCA {
    static let maxIterations = 50
    static let tolerance = 1e-7

    /// `data` is row-major, `count` × `dimensions`; the result is `count` × `components`.
    static func reduce(_ data: [Double], count: Int, dimensions: Int, components: Int, rng: inout TSNERandom) -> [Double] {
        let centred = centre(data, count: count, dimensions: dimensions)
        let covariance = covarianceMatrix(centred, count: count, dimensions: dimensions)
        var basis = (0..<components * dimensions).map { _ in rng.nextGaussian() }
        orthonormalize(&basis, vectors: components, length: dimensions)
        for _ in 0..<maxIterations {
            var next = multiply(covariance, basis, dimensions: dimensions, vectors: components)
            orthonormalize(&next, vectors: components, length: dimensions)
            let change = zip(next, basis).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
            basis = next
            if change < tolerance { break }
        }
        var projected = [Double](repeating: 0, count: count * components)
        for i in 0..<count {
            for c in 0..<components {
                var sum = 0.0
                for a in 0..<dimensions { sum += centred[i * dimensions + a] * basis[c * dimensions + a] }
                projected[i * components + c] = sum
            }
        }
        return projected
    }

    private static func centre(_ data: [Double], count: Int, dimensions: Int) -> [Double] {
        var mean = [Double](repeating: 0, count: dimensions)
        for i in 0..<count {
            for a in 0..<dimensions { mean[a] += data[i * dimensions + a] }
        }
        for a in 0..<dimensions { mean[a] /= Double(count) }
        var centred = data
        for i in 0..<count {
            for a in 0..<dimensions { centred[i * dimensions + a] -= mean[a] }
        }
        return centred
    }

    /// Xᵀ X (unscaled: the scale does not change the subspace), one row of it per parallel task.
    private static func covarianceMatrix(_ centred: [Double], count: Int, dimensions: Int) -> [Double] {
        var columns = [Double](repeating: 0, count: count * dimensions)
        for i in 0..<count {
            for a in 0..<dimensions { columns[a * count + i] = centred[i * dimensions + a] }
        }
        var covariance = [Double](repeating: 0, count: dimensions * dimensions)
        columns.withUnsafeBufferPointer { colsBuffer in
            covariance.withUnsafeMutableBufferPointer { cov in
                // Each task writes its own row only.
                nonisolated(unsafe) let out = cov, cols = colsBuffer
                DispatchQueue.concurrentPerform(iterations: dimensions) { a in
                    for b in 0..<dimensions {
                        var sum = 0.0
                        for i in 0..<count { sum += cols[a * count + i] * cols[b * count + i] }
                        out[a * dimensions + b] = sum
                    }
                }
            }
        }
        return covariance
    }

    private static func multiply(_ matrix: [Double], _ vectors: [Double], dimensions: Int, vectors count: Int) -> [Double] {
        var result = [Double](repeating: 0, count: count * dimensions)
        for v in 0..<count {
            for a in 0..<dimensions {
                var sum = 0.0
                for b in 0..<dimensions { sum += matrix[a * dimensions + b] * vectors[v * dimensions + b] }
                result[v * dimensions + a] = sum
            }
        }
        return result
    }

    /// Modified Gram-Schmidt; a vector that collapses (rank-deficient data) becomes zero, which
    /// then adds nothing to the projected distances.
    private static func orthonormalize(_ vectors: inout [Double], vectors count: Int, length: Int) {
        for v in 0..<count {
            for u in 0..<v {
                var dot = 0.0
                for a in 0..<length { dot += vectors[v * length + a] * vectors[u * length + a] }
                for a in 0..<length { vectors[v * length + a] -= dot * vectors[u * length + a] }
            }
            var norm = 0.0
            for a in 0..<length { norm += vectors[v * length + a] * vectors[v * length + a] }
            norm = norm.squareRoot()
            let scale = norm > 1e-12 ? 1 / norm : 0
            for a in 0..<length { vectors[v * length + a] *= scale }
        }
    }
}
