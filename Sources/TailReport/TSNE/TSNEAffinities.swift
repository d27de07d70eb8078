import Dispatch
import Foundation

/// The input-space similarities P of t-SNE: for each point a Gaussian whose bandwidth is found by
/// binary search so that its conditional distribution has the requested perplexity, then
/// symmetrised, P_ij = (p_j|i + p_i|j) / 2N.
enum TSNEAffinities {
    static let entropyTolerance = 1e-5
    static let maxSearchSteps = 200
    /// The floor of the reference implementation, so that log P stays finite.
    static let floor = 1e-12

    /// `data` is row-major, `count` × `dimensions`; returns the dense `count` × `count` P.
    static func joint(_ data: [Double], count: Int, dimensions: Int, perplexity: Double) -> [Double] {
        var p = [Double](repeating: 0, count: count * count)
        let targetEntropy = log(perplexity)
        data.withUnsafeBufferPointer { xBuffer in
            p.withUnsafeMutableBufferPointer { buffer in
                // Each task writes its own row only.
                nonisolated(unsafe) let out = buffer, x = xBuffer
                DispatchQueue.concurrentPerform(iterations: count) { i in
                    let row = UnsafeMutableBufferPointer(rebasing: out[i * count ..< (i + 1) * count])
                    for j in 0..<count {
                        var sum = 0.0
                        for a in 0..<dimensions {
                            let d = x[i * dimensions + a] - x[j * dimensions + a]
                            sum += d * d
                        }
                        row[j] = sum
                    }
                    conditionalRow(row, self: i, targetEntropy: targetEntropy)
                }
            }
        }
        return symmetrized(p, count: count)
    }

    /// Turns the squared distances in `row` into p_j|i in place. Distances are shifted by the
    /// nearest one first: the normalised row is the same, and exp never underflows to all zeros,
    /// whatever the data's scale.
    private static func conditionalRow(_ row: UnsafeMutableBufferPointer<Double>, self i: Int, targetEntropy: Double) {
        let count = row.count
        var nearest = Double.infinity
        for j in 0..<count where j != i { nearest = min(nearest, row[j]) }
        for j in 0..<count { row[j] = j == i ? 0 : row[j] - nearest }
        var total = 0.0
        for j in 0..<count where j != i { total += row[j] }
        let mean = total / Double(count - 1)
        var beta = mean > 0 ? 1 / mean : 1
        var low = 0.0, high = Double.infinity
        var weights = [Double](repeating: 0, count: count)
        for _ in 0..<maxSearchSteps {
            let entropy = gaussianRow(row, self: i, beta: beta, into: &weights)
            let gap = entropy - targetEntropy
            if abs(gap) < entropyTolerance { break }
            if gap > 0 {
                low = beta
                beta = high.isFinite ? (beta + high) / 2 : beta * 2
            } else {
                high = beta
                beta = (beta + low) / 2
            }
        }
        _ = gaussianRow(row, self: i, beta: beta, into: &weights)
        for j in 0..<count { row[j] = weights[j] }
    }

    /// Fills `weights` with the normalised Gaussian row at precision `beta`; returns its entropy.
    private static func gaussianRow(_ distances: UnsafeMutableBufferPointer<Double>, self i: Int, beta: Double,
                                    into weights: inout [Double]) -> Double {
        var sum = 0.0, weighted = 0.0
        for j in 0..<distances.count where j != i {
            let w = exp(-beta * distances[j])
            weights[j] = w
            sum += w
            weighted += w * distances[j]
        }
        weights[i] = 0
        // The nearest point has distance 0 after the shift, so sum >= 1.
        for j in 0..<weights.count { weights[j] /= sum }
        return log(sum) + beta * weighted / sum
    }

    private static func symmetrized(_ conditional: [Double], count: Int) -> [Double] {
        var joint = [Double](repeating: 0, count: count * count)
        let scale = 1 / (2 * Double(count))
        for i in 0..<count {
            for j in 0..<count where j != i {
                joint[i * count + j] = max((conditional[i * count + j] + conditional[j * count + i]) * scale, floor)
            }
        }
        return joint
    }
}
