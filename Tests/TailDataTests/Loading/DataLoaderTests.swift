import Foundation
import Testing
@testable import TailData

private func loaderTestSet(count: Int, side: Int = 8) -> ImageSet {
    var rng = SeededGenerator(seed: 42)
    return ImageSet(images: (0..<(count * side * side * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
                    labels: (0..<count).map { $0 % 3 }, height: side, width: side, channels: 3,
                    classNames: ["a", "b", "c"])
}

private func loaderTestLoader(_ set: ImageSet, batchSize: Int = 3, dropLast: Bool = false, workers: Int,
                              views: String = "fixmatch", prefetch: Int = 2) throws -> DataLoader {
    try DataLoader(shuffling: set, batchSize: batchSize, dropLast: dropLast,
                   views: AugmentPipeline.views(views, inputHeight: set.height, inputWidth: set.width),
                   normalization: .dasoCIFAR10, seed: 5, workers: workers, prefetch: prefetch)
}

@Suite struct DataLoaderBehaviourTests {
    @Test func everyIndexOncePerEpochWithReshuffle() throws {
        let set = loaderTestSet(count: 10)
        let loader = try loaderTestLoader(set, workers: 2)
        let epoch0 = Array(try loader.epoch(0))
        #expect(epoch0.map(\.count) == [3, 3, 3, 1])
        #expect(epoch0.map(\.number) == [0, 1, 2, 3])
        let order0 = epoch0.flatMap(\.indices)
        #expect(order0.sorted() == Array(0..<10))
        for batch in epoch0 {
            #expect(batch.labels == batch.indices.map { set.labels[$0] })
            #expect(batch.views.count == 2)
            #expect(batch.views.allSatisfy { $0.shape == [batch.count, 3, 8, 8] && $0.data.count == batch.count * 192 })
        }
        let order1 = Array(try loader.epoch(1)).flatMap(\.indices)
        #expect(order1.sorted() == Array(0..<10))
        #expect(order0 != order1)
    }

    @Test func dropLastDropsThePartialBatch() throws {
        let loader = try loaderTestLoader(loaderTestSet(count: 10), dropLast: true, workers: 1)
        let batches = Array(try loader.epoch(0))
        #expect(batches.map(\.count) == [3, 3, 3])
        #expect(try loader.epoch(0).batchCount == 3)
    }

    @Test func batchesAreIdenticalWhateverTheWorkerCount() throws {
        let set = loaderTestSet(count: 23)
        let one = Array(try loaderTestLoader(set, batchSize: 4, workers: 1).epoch(2))
        let three = Array(try loaderTestLoader(set, batchSize: 4, workers: 3, prefetch: 5).epoch(2))
        let inline = Array(try loaderTestLoader(set, batchSize: 4, workers: 0).epoch(2))
        #expect(one.count == 6)
        #expect(one == three)
        #expect(one == inline)
    }

    @Test func viewsOfOneSampleDiffer() throws {
        let batch = try #require(Array(try loaderTestLoader(loaderTestSet(count: 4), workers: 1).epoch(0)).first)
        #expect(batch.views[0].data != batch.views[1].data)
    }

    @Test func repeatedIndexGetsAFreshAugmentation() throws {
        // 32 px so that the 16 px Cutout does not cover the whole image.
        let set = loaderTestSet(count: 4, side: 32)
        let loader = try DataLoader(images: set, order: { _ in [2, 2] }, batchSize: 2, dropLast: false,
                                    views: [try AugmentPipeline.named("strong", inputHeight: 32, inputWidth: 32)],
                                    normalization: .dasoCIFAR10, seed: 1, workers: 1)
        let batch = try #require(Array(try loader.epoch(0)).first)
        let data = batch.views[0].data
        #expect(batch.indices == [2, 2])
        #expect(Array(data[0..<3072]) != Array(data[3072..<6144]))
    }

    @Test func earlyStopDoesNotHang() throws {
        let loader = try loaderTestLoader(loaderTestSet(count: 300), batchSize: 2, workers: 3, prefetch: 2)
        for _ in 0..<5 {
            var taken = 0
            for _ in try loader.epoch(0) {
                taken += 1
                if taken == 2 { break }
            }
            #expect(taken == 2)
        }
        var iterator = try loader.epoch(1).makeIterator()
        #expect(iterator.next() != nil)
        iterator.stop()
        #expect(iterator.next() == nil)
    }

    @Test func rejectsBadConfiguration() throws {
        let set = loaderTestSet(count: 5)
        let views = try AugmentPipeline.views("weak", inputHeight: 8, inputWidth: 8)
        #expect(throws: DataError.self) {
            try DataLoader(shuffling: set, batchSize: 0, dropLast: false, views: views, normalization: .dasoCIFAR10, seed: 0)
        }
        #expect(throws: DataError.self) {
            try DataLoader(shuffling: set, batchSize: 2, dropLast: false, views: views, normalization: .fashionMNIST, seed: 0)
        }
        #expect(throws: DataError.self) {
            try DataLoader(shuffling: set, batchSize: 2, dropLast: false, views: [], normalization: .dasoCIFAR10, seed: 0)
        }
        let badOrder = try DataLoader(images: set, order: { _ in [0, 7] }, batchSize: 2, dropLast: false, views: views,
                                      normalization: .dasoCIFAR10, seed: 0)
        #expect(throws: DataError.self) { _ = try badOrder.epoch(0) }
    }
}
