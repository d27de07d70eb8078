/// A small, fast, seedable random generator (xoshiro256**, seeded through SplitMix64).
/// Every random choice in the data layer takes one of these explicitly, so the same seed
/// always gives the same split, the same batches and the same augmentations.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&sm); s1 = splitMix(&sm); s2 = splitMix(&sm); s3 = splitMix(&sm)
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in 0..<n (n > 0), by Lemire's multiply-and-reject method, written out so that
    /// a seed gives the same draws whatever the Swift standard library's version (it is the method
    /// the standard library uses today, so the draws are the ones `Int.random(in:using:)` gives).
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below:) needs a positive bound")
        let bound = UInt64(n)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// Shuffles `values` in place with Fisher-Yates (Durstenfeld: for i = n−1 … 1, swap i with a
    /// uniform j ≤ i), written out so that a seed gives the same order across Swift versions (the
    /// standard library's `shuffle(using:)` does not promise its algorithm).
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 0)
    /// var order = Array(0..<10)
    /// rng.shuffle(&order)
    /// ```
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, through: 1, by: -1) {
            values.swapAt(i, int(below: i + 1))
        }
    }

    /// An independent generator derived from this one and a stream number, e.g. one per
    /// epoch or per sample, so results do not depend on which thread draws first.
    public func fork(_ stream: UInt64) -> SeededGenerator {
        var copy = self
        let a = copy.next()
        return SeededGenerator(seed: a ^ (stream &* 0xD1B5_4A32_D192_ED03))
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
