/// Batches of an `ImageList` decoded from its files on the loader's worker threads: only the
/// list (paths and labels) is held in memory; each batch reads, decodes (JPEG with libjpeg's DCT
/// scaling where the crop allows it, PNG with libpng), augments and normalises its own images.
/// At most `prefetch` batches exist at a time, so memory is bounded by
/// prefetch × batchSize × (views × 3 × H × W floats) plus one decoded file per worker, whatever
/// the list's length.
///
/// Batches are a pure function of (seed, epoch, batch number), as with `DataLoader`: each sample's
/// draws come from `AugmentPipeline.sampleGenerator(seed, epoch, index, occurrence)`, forked per
/// view, so the worker count changes nothing. A file that cannot be read or decoded is reported
/// with its path and list line (`failureLog`) and, by `onFailure`, left out of its batch or
/// made to end the epoch.
///
/// ```swift
/// let list = try ImageList(listFile: "\(root)/ImageNet_LT_train.txt", root: root)
/// let train = try AugmentPipeline.named("imagenet-train", inputHeight: 224, inputWidth: 224)
/// let loader = try StreamingDataLoader(list: list, order: { _ in Array(0..<list.count) }, batchSize: 128,
///                                      dropLast: false, views: [train], normalization: .imageNet, seed: 0, workers: 8)
/// for batch in try loader.epoch(0) { ... }   // batch.views[0]: 128 x 3 x 224 x 224
/// ```
public final class StreamingDataLoader: BatchBuilder {
    public let list: ImageList
    public let order: @Sendable (Int) -> [Int]
    public let batchSize: Int
    public let dropLast: Bool
    public let views: [DecodingPipeline]
    public let normalization: ImageNormalization
    public let seed: UInt64
    public let workers: Int
    public let prefetch: Int
    public let onFailure: DecodeFailurePolicy
    public let failureLog: DecodeFailureLog
    /// The most batches its workers had built or were building ahead of the consumer (≤ `prefetch`).
    public let inFlight = BatchesInFlight()
    var batchesInFlight: BatchesInFlight? { inFlight }
    /// Each view's output (height, width), the same for every input size.
    public let viewSizes: [(height: Int, width: Int)]

    public init(list: ImageList, order: @escaping @Sendable (Int) -> [Int], batchSize: Int, dropLast: Bool,
                views: [AugmentPipeline], normalization: ImageNormalization, seed: UInt64, workers: Int = 2,
                prefetch: Int = 4, dctScaling: Bool = true, onFailure: DecodeFailurePolicy = .skip,
                failureLog: DecodeFailureLog = DecodeFailureLog()) throws {
        guard batchSize > 0 else { throw DataError.invalidArgument("loader: batch size \(batchSize) must be positive") }
        guard !views.isEmpty else { throw DataError.invalidArgument("loader: at least one view (augmentation) is needed") }
        guard workers >= 0 else { throw DataError.invalidArgument("loader: worker count \(workers) is negative") }
        guard prefetch >= 1 else { throw DataError.invalidArgument("loader: prefetch depth \(prefetch) must be at least 1") }
        guard normalization.channels == 3 else {
            throw DataError.invalidArgument("loader: list images are decoded to RGB, the normalisation has \(normalization.channels) channels")
        }
        viewSizes = try views.map { try Self.fixedOutputSize($0) }
        self.list = list
        self.order = order
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.views = views.map { DecodingPipeline(pipeline: $0, dctScaling: dctScaling) }
        self.normalization = normalization
        self.seed = seed
        self.workers = workers
        self.prefetch = prefetch
        self.onFailure = onFailure
        self.failureLog = failureLog
    }

    /// A loader over a fresh random permutation of the list each epoch (the permutation of
    /// `DataLoader(shuffling:)` for the same seed and size).
    public convenience init(shuffling list: ImageList, batchSize: Int, dropLast: Bool, views: [AugmentPipeline],
                            normalization: ImageNormalization, seed: UInt64, workers: Int = 2, prefetch: Int = 4,
                            dctScaling: Bool = true, onFailure: DecodeFailurePolicy = .skip,
                            failureLog: DecodeFailureLog = DecodeFailureLog()) throws {
        let n = list.count
        let orderSeed = SeededGenerator(seed: seed).fork(0x5348_5546)
        try self.init(list: list, order: { epoch in
            var rng = orderSeed.fork(UInt64(truncatingIfNeeded: epoch))
            var indices = Array(0..<n)
            rng.shuffle(&indices)
            return indices
        }, batchSize: batchSize, dropLast: dropLast, views: views, normalization: normalization, seed: seed,
           workers: workers, prefetch: prefetch, dctScaling: dctScaling, onFailure: onFailure, failureLog: failureLog)
    }

    /// The batches of `epoch`, in order (see `DataLoader.epoch`). Under `.fail` the sequence ends
    /// before the first batch holding a broken file; `failureLog.fatalFailure` then names it.
    public func epoch(_ epoch: Int, startingAt start: Int = 0) throws -> DataLoaderEpoch {
        let indices = order(epoch)
        if let bad = indices.first(where: { $0 < 0 || $0 >= list.count }) {
            throw DataError.invalidArgument("loader: epoch \(epoch) order contains index \(bad), outside 0..<\(list.count)")
        }
        let plan = DataLoaderPlan(indices: indices, imageCount: list.count, batchSize: batchSize, dropLast: dropLast)
        guard start >= 0 && start <= plan.batchCount else {
            throw DataError.invalidArgument("loader: batch \(start) of epoch \(epoch), which has \(plan.batchCount)")
        }
        return DataLoaderEpoch(loader: self, epoch: epoch, plan: plan, start: start)
    }

    func makeBatch(epoch: Int, number: Int, plan: DataLoaderPlan) -> Batch {
        let range = plan.range(of: number)
        let sizes = viewSizes.map { 3 * $0.height * $0.width }
        var buffers = sizes.map { [Float](repeating: 0, count: range.count * $0) }
        var indices: [Int] = []
        indices.reserveCapacity(range.count)
        for position in range {
            let index = plan.indices[position]
            let sample = AugmentPipeline.sampleGenerator(seed: seed, epoch: epoch, index: index,
                                                         occurrence: plan.occurrences[position])
            do {
                let file = try EncodedImage(path: list.path(index))
                let slot = indices.count
                for (v, view) in views.enumerated() {
                    var rng = sample.fork(UInt64(v))
                    let out = try view.apply(to: file, using: &rng)
                    buffers[v].withUnsafeMutableBufferPointer { buf in
                        normalization.normalize(out, into: buf.baseAddress! + slot * sizes[v])
                    }
                }
                indices.append(index)
            } catch {
                let failure = DecodeFailure(index: index, path: list.path(index), listFile: list.listFile,
                                            line: list.lineNumbers[index], reason: "\(error)")
                failureLog.record(failure)
                if onFailure == .fail {
                    failureLog.recordFatal(failure, epoch: epoch, number: number)
                    break
                }
            }
        }
        let kept = indices.count
        for v in buffers.indices where kept < range.count { buffers[v].removeLast((range.count - kept) * sizes[v]) }
        let batchViews = viewSizes.enumerated().map { v, s in
            BatchView(data: buffers[v], count: kept, channels: 3, height: s.height, width: s.width)
        }
        return Batch(views: batchViews, labels: indices.map { list.labels[$0] }, indices: indices, epoch: epoch, number: number)
    }

    func failed(_ batch: Batch) -> Bool {
        failureLog.consumeFatal(epoch: batch.epoch, number: batch.number)
    }

    /// A view's output size, which must not depend on the file's size (a batch is one tensor).
    private static func fixedOutputSize(_ pipeline: AugmentPipeline) throws -> (height: Int, width: Int) {
        let wide = pipeline.outputSize(height: 375, width: 500), tall = pipeline.outputSize(height: 640, width: 427)
        guard wide == tall else {
            throw DataError.invalidArgument("loader: view '\(pipeline.name)' gives images of the input's size; list images differ in size, so it must end in a crop or a resize")
        }
        return wide
    }
}
