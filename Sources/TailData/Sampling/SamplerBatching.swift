/// Cutting an index order into batches.
public enum SamplerBatching {
    public static func batches(_ order: [Int], batchSize: Int, dropLast: Bool) throws -> [[Int]] {
        guard batchSize >= 1 else {
            throw DataError.invalidArgument("batching: batch size \(batchSize) must be at least 1")
        }
        var out: [[Int]] = []
        out.reserveCapacity(order.count / batchSize + 1)
        var start = 0
        while start < order.count {
            let end = min(start + batchSize, order.count)
            if end - start < batchSize && dropLast { break }
            out.append(Array(order[start..<end]))
            start = end
        }
        return out
    }

    /// Number of batches an epoch of `count` indices gives.
    public static func batchCount(_ count: Int, batchSize: Int, dropLast: Bool) -> Int {
        guard batchSize >= 1 else { return 0 }
        return dropLast ? count / batchSize : (count + batchSize - 1) / batchSize
    }
}
