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

    /// Uniform integer in 0..<n (n > 0).
    public mutating func int(below n: Int) -> Int {
        Int.random(in: 0..<n, using: &self)
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
