/// One rank's share of an epoch's order in data-parallel training, as PyTorch's `DistributedSampler`
/// splits it (torch/utils/data/distributed.py): every rank computes the same global order, pads it by
/// repeating its start to a multiple of the rank count N, and takes the positions rank, rank + N, rank + 2N, ...
///
/// With a global batch of B images and B/N per rank, the union of the ranks' k-th batches is exactly the
/// k-th batch of the one-process order (positions kB ..< (k+1)B), so the averaged gradient is that batch's.
///
/// ```swift
/// let shard = RankShard(rank: 1, count: 2)
/// shard.indices(of: [7, 3, 5, 0, 2])   // padded to [7, 3, 5, 0, 2, 7] -> [3, 0, 7]
/// ```
public struct RankShard: Sendable, Equatable {
    public let rank: Int
    public let count: Int

    /// The whole order: one process.
    public static let whole = RankShard(rank: 0, count: 1)

    public init(rank: Int, count: Int) {
        precondition(count >= 1 && rank >= 0 && rank < count, "rank \(rank) of \(count)")
        self.rank = rank
        self.count = count
    }

    /// This rank's positions of `order`: ceil(|order| / N) of them, the same number on every rank.
    public func indices(of order: [Int]) -> [Int] {
        guard count > 1, !order.isEmpty else { return order }
        let perRank = (order.count + count - 1) / count
        return (0..<perRank).map { order[(rank + $0 * count) % order.count] }
    }
}
