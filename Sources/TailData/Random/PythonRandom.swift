/// Python's `random` module (seeded with an integer) as far as the references use it:
/// RECORDS shuffles its per-class count list with `random.shuffle` when building
/// CIFAR-100-LT-NU, so the same seed must give the same head and tail classes.
public struct PythonRandom: Sendable {
    private var twister: MersenneTwister19937

    /// `random.seed(seed)`: the absolute value split into little-endian 32-bit words.
    public init(seed: Int) {
        var magnitude = seed.magnitude
        var key: [UInt32] = []
        repeat {
            key.append(UInt32(truncatingIfNeeded: magnitude))
            magnitude >>= 32
        } while magnitude != 0
        twister = MersenneTwister19937(key: key)
    }

    /// `random.random()`.
    public mutating func random() -> Double {
        let a = Double(twister.next() >> 5), b = Double(twister.next() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `_randbelow(n)`: rejection on `getrandbits(n.bit_length())`, for 1 <= n < 2^32.
    public mutating func randbelow(_ n: Int) -> Int {
        let bits = Int.bitWidth - n.leadingZeroBitCount
        while true {
            let r = Int(twister.next() >> UInt32(32 - bits))
            if r < n { return r }
        }
    }

    /// `random.shuffle(list)`.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, through: 1, by: -1) {
            values.swapAt(i, randbelow(i + 1))
        }
    }
}
