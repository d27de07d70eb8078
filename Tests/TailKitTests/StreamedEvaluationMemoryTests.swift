import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport

/// The streamed evaluation (val and test lists) keeps a fixed number of decoded batches alive,
/// whatever the list's length: it decodes at most `Evaluator.streamedBatchLimit` images per batch
/// and lets its workers run at most `max(1, workers)` batches ahead of the model.
@Suite struct StreamedEvaluationMemoryTests {
    /// Batches alive ahead of the consumer, and images seen, for one evaluation epoch over the
    /// first `count` images of the folder's list.
    private func evaluationEpoch(_ data: ImageNetLTFolder, count: Int, evaluator: Evaluator) throws
        -> (peak: Int, images: Int, batchSize: Int, prefetch: Int)
    {
        let lines = try String(contentsOfFile: data.listFile, encoding: .utf8).split(separator: "\n").prefix(count)
        let listFile = data.folder.file("list-\(count).txt")
        try data.folder.write("list-\(count).txt", text: lines.joined(separator: "\n") + "\n")
        let list = try ImageList(listFile: listFile, root: data.root)
        // Resize(36) + CenterCrop(32): the reference's evaluation view, small enough for a debug build.
        let view = try AugmentPipeline.named("imagenet-eval", inputHeight: 32, inputWidth: 32, outputSize: 32)
        let loader = try evaluator.streamingLoader(list, view: view)
        var images = 0
        for batch in try loader.epoch(0) { images += batch.count }
        return (loader.inFlight.peak, images, loader.batchSize, loader.prefetch)
    }

    @Test func decodedBatchesInFlightDoNotGrowWithTheList() throws {
        let data = try ImageNetLTFolder.writeSmallJPEGs(count: 520, classes: 4)
        defer { data.remove() }
        let evaluator = Evaluator(normalization: .imageNet, batchSize: 256, workers: 2)
        let small = try evaluationEpoch(data, count: 130, evaluator: evaluator)
        let large = try evaluationEpoch(data, count: 520, evaluator: evaluator)
        #expect(small.images == 130 && large.images == 520)
        // --eval-batch-size 256 is cut to 64 images per decoded batch, two (the workers) ahead.
        #expect(small.batchSize == 64 && small.prefetch == 2)
        // How close the workers get to the bound depends on the threads' timing; the bound does not.
        #expect((1...2).contains(small.peak) && (1...2).contains(large.peak), "peaks \(small.peak) and \(large.peak)")
        // At 224 px: (2 + 1 held by the model) x 64 x 3 x 224 x 224 floats = 116 MB, for any list.
        let bytes = (large.prefetch + 1) * large.batchSize * 3 * 224 * 224 * 4
        #expect(bytes < 120_000_000)
    }
}
