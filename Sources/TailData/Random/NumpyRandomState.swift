/// numpy's legacy `np.random.RandomState` / `np.random.seed`, draw for draw: the reference
/// codebases pick their long-tailed subsets, splits and candidate labels with it, so TailKit
/// picks the very same images for the same seed.
public struct NumpyRandomState: Sendable {
    private var twister: MersenneTwister19937

    /// `np.random.seed(seed)`; numpy rejects seeds outside 0..<2^32, hence `UInt32`.
    public init(seed: UInt32) {
        twister = MersenneTwister19937(seed: seed)
    }

    public mutating func nextUInt32() -> UInt32 { twister.next() }

    /// `random_sample()`: 53 random bits from two draws, uniform in [0, 1).
    public mutating func randomSample() -> Double {
        let a = Double(twister.next() >> 5), b = Double(twister.next() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `uniform(low, high)`.
    public mutating func uniform(low: Double = 0, high: Double = 1) -> Double {
        low + (high - low) * randomSample()
    }

    /// numpy's `random_interval(max)`: uniform in 0...max by masked rejection, the bounded
    /// draw behind legacy `shuffle`, `permutation` and `randint`.
    public mutating func interval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        if max <= 0xFFFF_FFFF {
            while true {
                let v = UInt64(twister.next()) & mask
                if v <= max { return v }
            }
        }
        while true {
            // numpy builds a 64-bit draw as (first << 32) | second.
            let hi = UInt64(twister.next()), lo = UInt64(twister.next())
            let v = ((hi << 32) | lo) & mask
            if v <= max { return v }
        }
    }

    /// `randint(0, n)` for n >= 1 (legacy masked path).
    public mutating func randint(below n: Int) -> Int {
        Int(interval(UInt64(n - 1)))
    }

    /// Legacy `shuffle` (Fisher-Yates from the back).
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        values.withUnsafeMutableBufferPointer { buf in
            for i in stride(from: buf.count - 1, through: 1, by: -1) {
                let j = Int(interval(UInt64(i)))
                buf.swapAt(i, j)
            }
        }
    }

    /// `permutation(n)`: a shuffled `arange(n)`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var values = Array(0..<max(n, 0))
        shuffle(&values)
        return values
    }

    /// `choice(n, size, replace)` without probabilities: a prefix of a permutation when
    /// drawing without replacement, `randint` draws otherwise.
    public mutating func choice(_ n: Int, size: Int, replace: Bool) throws -> [Int] {
        guard n > 0, size >= 0 else {
            throw DataError.invalidArgument("choice: population \(n) must be positive and size \(size) non-negative")
        }
        if replace { return (0..<size).map { _ in randint(below: n) } }
        guard size <= n else {
            throw DataError.invalidArgument("choice: cannot take \(size) of \(n) without replacement")
        }
        return Array(permutation(n).prefix(size))
    }
}
