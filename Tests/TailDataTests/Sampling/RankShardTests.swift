import Foundation
import Testing
@testable import TailData
import TestSupport

/// RankShard against PyTorch's own DistributedSampler (shuffle off, drop_last off) on the same orders.
@Suite struct RankShardTests {
    @Test func splitsAsDistributedSamplerDoes() throws {
        let cases = [(10, 2), (11, 2), (7, 3), (2, 5), (12, 4)]
        let orders = cases.map { count, _ in (0..<count).map { ($0 * 7 + 3) % count } }
        let script = """
        import sys, json
        from torch.utils.data import DistributedSampler
        cases = json.loads(sys.argv[1])
        print(json.dumps([[[order[i] for i in DistributedSampler(order, num_replicas=n, rank=r, shuffle=False)] for r in range(n)]
                          for order, n in cases]))
        """
        let input = "[" + zip(orders, cases).map { "[\($0.0), \($0.1.1)]" }.joined(separator: ",") + "]"
        let expected = try JSONDecoder().decode([[[Int]]].self, from: try TestPython.run(script, arguments: [input]))
        try #require(expected.count == cases.count)
        for ((order, (count, ranks)), theirs) in zip(zip(orders, cases), expected) {
            try #require(theirs.count == ranks)
            for rank in 0..<ranks {
                let mine = RankShard(rank: rank, count: ranks).indices(of: order)
                try #require(mine.count == theirs[rank].count, "rank \(rank) of \(ranks), \(count) images: \(mine.count) vs \(theirs[rank].count)")
                #expect(mine == theirs[rank], "rank \(rank) of \(ranks), \(count) images")
            }
        }
        #expect(RankShard.whole.indices(of: orders[0]) == orders[0])
    }
}
