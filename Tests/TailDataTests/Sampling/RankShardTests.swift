import Foundation
import Testing
@testable import TailData
import TestSupport

/// RankShard against PyTorch's own DistributedSampler (shuffle off, drop_last off) on the same order.
@Suite struct RankShardTests {
    @Test(arguments: [(10, 2), (11, 2), (7, 3), (2, 5), (12, 4)])
    func splitsAsDistributedSamplerDoes(_ count: Int, _ ranks: Int) throws {
        let order = (0..<count).map { ($0 * 7 + 3) % count }
        let script = """
        import sys, json
        from torch.utils.data import DistributedSampler
        order, ranks = json.loads(sys.argv[1]), int(sys.argv[2])
        print(json.dumps([[order[i] for i in DistributedSampler(order, num_replicas=ranks, rank=r, shuffle=False)] for r in range(ranks)]))
        """
        let out = try TestPython.run(script, arguments: ["\(order)", "\(ranks)"])
        let expected = try JSONDecoder().decode([[Int]].self, from: out)
        try #require(expected.count == ranks)
        for rank in 0..<ranks {
            let mine = RankShard(rank: rank, count: ranks).indices(of: order)
            try #require(mine.count == expected[rank].count, "rank \(rank): \(mine.count) vs \(expected[rank].count)")
            #expect(mine == expected[rank], "rank \(rank) of \(ranks), \(count) images")
        }
        #expect(RankShard.whole.indices(of: order) == order)
    }
}
