/// The 32-bit Mersenne Twister (MT19937) that both numpy's legacy `RandomState` and
/// Python's `random` module run on; only their seeding and the draws built on top differ.
public struct MersenneTwister19937: Sendable {
    private static let stateSize = 624
    private static let shift = 397
    private var state: [UInt32]
    private var position: Int

    /// Knuth's linear seeding (`init_genrand`), what `np.random.seed(int)` uses.
    public init(seed: UInt32) {
        var s = [UInt32](repeating: 0, count: Self.stateSize)
        s[0] = seed
        for i in 1..<Self.stateSize {
            s[i] = 1_812_433_253 &* (s[i - 1] ^ (s[i - 1] >> 30)) &+ UInt32(i)
        }
        state = s
        position = Self.stateSize
    }

    /// Array seeding (`init_by_array`), what Python's `random.seed(int)` uses.
    public init(key: [UInt32]) {
        self.init(seed: 19_650_218)
        let n = Self.stateSize
        let key = key.isEmpty ? [0] : key
        var i = 1, j = 0
        for _ in 0..<max(n, key.count) {
            let prev = state[i - 1] ^ (state[i - 1] >> 30)
            state[i] = (state[i] ^ (prev &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= n { state[0] = state[n - 1]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(n - 1) {
            let prev = state[i - 1] ^ (state[i - 1] >> 30)
            state[i] = (state[i] ^ (prev &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= n { state[0] = state[n - 1]; i = 1 }
        }
        state[0] = 0x8000_0000
        position = n
    }

    public mutating func next() -> UInt32 {
        if position >= Self.stateSize { twist() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        let n = Self.stateSize, m = Self.shift
        state.withUnsafeMutableBufferPointer { mt in
            for k in 0..<n {
                let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % n] & 0x7FFF_FFFF)
                let mag: UInt32 = (y & 1) == 0 ? 0 : 0x9908_B0DF
                mt[k] = mt[(k + m) % n] ^ (y >> 1) ^ mag
            }
        }
        position = 0
    }
}
