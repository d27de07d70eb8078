import Foundation
import Testing
@testable import Torch
import TestSupport

/// c10d through the shim: two ranks on loopback (two threads of this process, each with its own TCPStore
/// client and ProcessGroupGloo, as torch's own threaded c10d tests do); the launched two-process runs are in
/// TailKitTests/DataParallelTests. Every failure is a thrown TorchError naming the problem.
@Suite(.serialized) struct ProcessGroupTests {
    /// Runs `body(rank)` for ranks 0 and 1 at once and returns what each returned or threw.
    private func twoRanks<T: Sendable>(_ body: @escaping @Sendable (Int) throws -> T) -> [Result<T, Error>] {
        let results = Results<T>()
        DispatchQueue.concurrentPerform(iterations: 2) { rank in results.set(rank, Result { try body(rank) }) }
        return results.values
    }

    @Test func allReduceSumsAndAveragesAcrossBucketsAndDTypes() throws {
        let port = try FreePort.next()
        let results = twoRanks { rank -> [[Double]] in
            let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: .seconds(30),
                                         bucketBytes: 16)  // 16 bytes: several buckets, one tensor larger than a bucket
            #expect(group.rank == rank && group.worldSize == 2)
            let r = Double(rank)
            let a = try Tensor([Float(1 + r), Float(2 + r), Float(3 + r), Float(4 + r), Float(5 + r)])
            let b = try Tensor([10 * (1 + r), 20 * (1 + r)] as [Double], shape: [2, 1])
            let c = try Tensor([Int64(rank + 1)])
            try group.allReduce([a, b, c])
            let d = try Tensor([Float(2 * rank), 1])
            try group.allReduce([d], average: true)
            try group.barrier()
            return [try a.toArray(Double.self), try b.toArray(Double.self), try c.toArray(Double.self), try d.toArray(Double.self)]
        }
        let expected: [[Double]] = [[3, 5, 7, 9, 11], [30, 60], [3], [1, 1]]
        for result in results {
            let values = try result.get()
            try #require(values.count == expected.count)
            for (got, want) in zip(values, expected) {
                try #require(got.count == want.count)
                #expect(got == want)
            }
        }
    }

    @Test func broadcastCopiesRankZerosValues() throws {
        let port = try FreePort.next()
        let results = twoRanks { rank -> [Float] in
            let group = try ProcessGroup(host: "localhost", port: port, rank: rank, worldSize: 2, timeout: .seconds(30))
            // A transposed (non-contiguous) view is written back in place too.
            let w = try Tensor((0..<6).map { Float($0 + 100 * rank) }, shape: [2, 3]).transpose(0, 1)
            try group.broadcast([w], from: 0)
            return try w.contiguous().toArray(Float.self)
        }
        for result in results { #expect(try result.get() == [0, 3, 1, 4, 2, 5]) }
    }

    @Test func mismatchedWorldSizesAreNamed() throws {
        let port = try FreePort.next()
        let results = twoRanks { rank -> Bool in
            _ = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: rank == 0 ? 2 : 3, timeout: .seconds(20))
            return true
        }
        for result in results {
            #expect(throws: TorchError.self) { try result.get() }
            if case .failure(let error) = result {
                #expect("\(error)".contains("world size mismatch: rank 0 has --world-size 2, rank 1 has 3"), "\(error)")
            }
        }
    }

    @Test func unreachableMasterFailsWithinTheTimeout() throws {
        let port = try FreePort.next()
        let start = Date()
        #expect {
            _ = try ProcessGroup(host: "127.0.0.1", port: port, rank: 1, worldSize: 2, timeout: .seconds(3))
        } throws: { error in
            "\(error)".contains("127.0.0.1") && "\(error)".contains("\(port)")
        }
        #expect(Date().timeIntervalSince(start) < 60, "a hang guard, not a timing")
    }

    @Test func aPortInUseIsNamed() throws {
        let port = try FreePort.next()
        let first = try ProcessGroup(host: "127.0.0.1", port: port, rank: 0, worldSize: 1, timeout: .seconds(10))
        #expect {
            _ = try ProcessGroup(host: "127.0.0.1", port: port, rank: 0, worldSize: 1, timeout: .seconds(3))
        } throws: { error in
            "\(error)".lowercased().contains("address already in use")
        }
        withExtendedLifetime(first) {}
    }

    @Test func badRankAndPortAreRefusedBeforeAnyConnection() {
        #expect(throws: TorchError.self) { try ProcessGroup(host: "127.0.0.1", port: 29500, rank: 2, worldSize: 2) }
        #expect(throws: TorchError.self) { try ProcessGroup(host: "127.0.0.1", port: 70000, rank: 0, worldSize: 1) }
    }

    @Test func aCollectiveFailsWhenAPeerLeaves() throws {
        let port = try FreePort.next()
        let results = twoRanks { rank -> Bool in
            let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: .seconds(10))
            try group.barrier()
            guard rank == 0 else { return true }  // rank 1 leaves: its group is destroyed, its sockets closed
            usleep(300_000)
            try group.allReduce([try Tensor([Float(1)])])
            return true
        }
        #expect(try results[1].get())
        #expect(throws: TorchError.self) { try results[0].get() }
    }
}

/// One slot per rank, filled from concurrent threads.
private final class Results<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, Error>?] = [nil, nil]
    func set(_ rank: Int, _ value: Result<T, Error>) { lock.lock(); slots[rank] = value; lock.unlock() }
    var values: [Result<T, Error>] { slots.map { $0 ?? .failure(TorchError.invalidArgument("rank did not finish")) } }
}
