import Dispatch
import Foundation

/// Gradient descent on the t-SNE embedding with momentum and per-coordinate gains, as in the
/// reference implementation. Rows of the O(N²) gradient run in parallel; each row's sums are
/// taken in a fixed order and combined in row order, so results do not depend on thread timing.
struct TSNEOptimizer {
    private let p: [Double]
    private let count: Int
    private var y: [Double]
    private var velocity: [Double]
    private var gains: [Double]
    private var rowSums: [Double]
    private let pTotal: Double
    private let pEntropy: Double

    static let minimumGain = 0.01
    static let initialSpread = 1e-4

    init(p: [Double], count: Int, rng: inout TSNERandom) {
        self.p = p
        self.count = count
        y = (0..<2 * count).map { _ in rng.nextGaussian() * Self.initialSpread }
        velocity = [Double](repeating: 0, count: 2 * count)
        gains = [Double](repeating: 1, count: 2 * count)
        rowSums = [Double](repeating: 0, count: 5 * count)
        pTotal = p.reduce(0, +)
        pEntropy = p.reduce(0) { $1 > 0 ? $0 + $1 * log($1) : $0 }
    }

    mutating func step(exaggeration: Double, momentum: Double, learningRate: Double) {
        computeRowSums()
        let sumQ = totalQ()
        for i in 0..<count {
            for axis in 0..<2 {
                let attraction = rowSums[5 * i + axis], repulsion = rowSums[5 * i + 2 + axis]
                // Like the reference implementation, without the paper's constant factor 4: the
                // learning rate of 200 is tuned for this scale.
                let gradient = exaggeration * attraction - repulsion / sumQ
                update(2 * i + axis, gradient: gradient, momentum: momentum, learningRate: learningRate)
            }
        }
        recentre()
    }

    /// Gains grow where the gradient turns against the current motion and shrink where it agrees.
    private mutating func update(_ k: Int, gradient: Double, momentum: Double, learningRate: Double) {
        let sameSign = (gradient > 0) == (velocity[k] > 0)
        gains[k] = max(sameSign ? gains[k] * 0.8 : gains[k] + 0.2, Self.minimumGain)
        velocity[k] = momentum * velocity[k] - learningRate * gains[k] * gradient
        y[k] += velocity[k]
    }

    private mutating func recentre() {
        var meanX = 0.0, meanY = 0.0
        for i in 0..<count {
            meanX += y[2 * i]
            meanY += y[2 * i + 1]
        }
        meanX /= Double(count)
        meanY /= Double(count)
        for i in 0..<count {
            y[2 * i] -= meanX
            y[2 * i + 1] -= meanY
        }
    }

    private func totalQ() -> Double {
        var total = 0.0
        for i in 0..<count { total += rowSums[5 * i + 4] }
        return max(total, .leastNormalMagnitude)
    }

    /// Per row i: Σ_j P_ij q_ij (y_i − y_j) (attraction, 2 values), Σ_j q_ij² (y_i − y_j)
    /// (repulsion before dividing by Σq, 2 values) and Σ_j q_ij, with q_ij = 1 / (1 + |y_i − y_j|²).
    private mutating func computeRowSums() {
        let n = count
        let blocks = Self.blocks(for: n)
        p.withUnsafeBufferPointer { pRead in
            y.withUnsafeBufferPointer { yRead in
                rowSums.withUnsafeMutableBufferPointer { sumsBuffer in
                    // Each task writes the sums of its own rows only.
                    nonisolated(unsafe) let sums = sumsBuffer, pBuffer = pRead, yBuffer = yRead
                    DispatchQueue.concurrentPerform(iterations: blocks.count) { block in
                        for i in blocks[block] {
                            Self.rowSum(row: i, count: n, p: pBuffer, y: yBuffer, into: sums)
                        }
                    }
                }
            }
        }
    }

    private static func rowSum(row i: Int, count n: Int, p: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>,
                               into sums: UnsafeMutableBufferPointer<Double>) {
        let yi0 = y[2 * i], yi1 = y[2 * i + 1]
        var attraction0 = 0.0, attraction1 = 0.0, repulsion0 = 0.0, repulsion1 = 0.0, qSum = 0.0
        let base = i * n
        for j in 0..<n {
            let d0 = yi0 - y[2 * j], d1 = yi1 - y[2 * j + 1]
            let q = 1 / (1 + d0 * d0 + d1 * d1)
            let pq = p[base + j] * q
            attraction0 += pq * d0
            attraction1 += pq * d1
            let qq = q * q
            repulsion0 += qq * d0
            repulsion1 += qq * d1
            qSum += q
        }
        // j == i added q = 1 and nothing else; take it out rather than branch in the loop.
        sums[5 * i] = attraction0
        sums[5 * i + 1] = attraction1
        sums[5 * i + 2] = repulsion0
        sums[5 * i + 3] = repulsion1
        sums[5 * i + 4] = qSum - 1
    }

    /// KL(P ‖ Q) = Σ P log P − Σ P log q + (Σ P) log Σq, for the current positions.
    func divergence() -> Double {
        let n = count
        let blocks = Self.blocks(for: n)
        var perRow = [Double](repeating: 0, count: 2 * n)
        p.withUnsafeBufferPointer { pRead in
            y.withUnsafeBufferPointer { yRead in
                perRow.withUnsafeMutableBufferPointer { outBuffer in
                    // Each task writes its own rows only.
                    nonisolated(unsafe) let out = outBuffer, pBuffer = pRead, yBuffer = yRead
                    DispatchQueue.concurrentPerform(iterations: blocks.count) { block in
                        for i in blocks[block] {
                            var pLogQ = 0.0, qSum = 0.0
                            for j in 0..<n where j != i {
                                let d0 = yBuffer[2 * i] - yBuffer[2 * j], d1 = yBuffer[2 * i + 1] - yBuffer[2 * j + 1]
                                let q = 1 / (1 + d0 * d0 + d1 * d1)
                                pLogQ += pBuffer[i * n + j] * log(q)
                                qSum += q
                            }
                            out[2 * i] = pLogQ
                            out[2 * i + 1] = qSum
                        }
                    }
                }
            }
        }
        var pLogQ = 0.0, sumQ = 0.0
        for i in 0..<n {
            pLogQ += perRow[2 * i]
            sumQ += perRow[2 * i + 1]
        }
        return pEntropy - pLogQ + pTotal * log(sumQ)
    }

    func positions() -> [(x: Double, y: Double)] {
        (0..<count).map { (x: y[2 * $0], y: y[2 * $0 + 1]) }
    }

    /// Contiguous row ranges, several per core so uneven scheduling evens out.
    private static func blocks(for rows: Int) -> [Range<Int>] {
        let blockCount = max(1, min(rows, 32))
        return (0..<blockCount).map { b in (b * rows / blockCount)..<((b + 1) * rows / blockCount) }
    }
}
