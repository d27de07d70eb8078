import Foundation

/// Turns an `ImageSet` into normalised, augmented batches on background threads.
/// Each sample's augmentation is seeded by (seed, epoch, index, repeat), and each batch's
/// samples come from the epoch's order, so the bytes of every batch are the same whatever the
/// number of workers; batches are always returned in order.
public final class DataLoader: BatchBuilder {
    public let images: ImageSet
    public let order: @Sendable (Int) -> [Int]
    public let batchSize: Int
    public let dropLast: Bool
    public let views: [AugmentPipeline]
    public let normalization: ImageNormalization
    public let seed: UInt64
    /// Background threads; 0 builds each batch on the consuming thread when it is asked for.
    public let workers: Int
    /// How many batches may be ready or in preparation ahead of the consumer.
    public let prefetch: Int

    public init(images: ImageSet, order: @escaping @Sendable (Int) -> [Int], batchSize: Int, dropLast: Bool,
                views: [AugmentPipeline], normalization: ImageNormalization, seed: UInt64,
                workers: Int = 2, prefetch: Int = 4) throws {
        guard batchSize > 0 else { throw DataError.invalidArgument("loader: batch size \(batchSize) must be positive") }
        guard !views.isEmpty else { throw DataError.invalidArgument("loader: at least one view (augmentation) is needed") }
        guard workers >= 0 else { throw DataError.invalidArgument("loader: worker count \(workers) is negative") }
        guard prefetch >= 1 else { throw DataError.invalidArgument("loader: prefetch depth \(prefetch) must be at least 1") }
        guard normalization.channels == images.channels else {
            throw DataError.invalidArgument("loader: normalisation has \(normalization.channels) channels, images have \(images.channels)")
        }
        guard images.images.count == images.count * images.imageBytes, images.imageBytes > 0 || images.count == 0 else {
            throw DataError.invalidArgument("loader: image set holds \(images.images.count) bytes for \(images.count) images of \(images.imageBytes) bytes")
        }
        self.images = images
        self.order = order
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.views = views
        self.normalization = normalization
        self.seed = seed
        self.workers = workers
        self.prefetch = prefetch
    }

    /// A loader that visits a fresh random permutation of the whole set each epoch.
    public convenience init(shuffling images: ImageSet, batchSize: Int, dropLast: Bool, views: [AugmentPipeline],
                            normalization: ImageNormalization, seed: UInt64, workers: Int = 2, prefetch: Int = 4) throws {
        let n = images.count
        let orderSeed = SeededGenerator(seed: seed).fork(0x5348_5546)
        try self.init(images: images, order: { epoch in
            var rng = orderSeed.fork(UInt64(truncatingIfNeeded: epoch))
            var indices = Array(0..<n)
            rng.shuffle(&indices)
            return indices
        }, batchSize: batchSize, dropLast: dropLast, views: views, normalization: normalization,
           seed: seed, workers: workers, prefetch: prefetch)
    }

    /// The batches of `epoch`, in order. Iterating starts the workers; dropping the iterator
    /// (or calling `stop()` on it) ends them.
    /// `start` skips the epoch's first batches without building them (resuming mid-epoch).
    public func epoch(_ epoch: Int, startingAt start: Int = 0) throws -> DataLoaderEpoch {
        let indices = order(epoch)
        if let bad = indices.first(where: { $0 < 0 || $0 >= images.count }) {
            throw DataError.invalidArgument("loader: epoch \(epoch) order contains index \(bad), outside 0..<\(images.count)")
        }
        let plan = DataLoaderPlan(indices: indices, imageCount: images.count, batchSize: batchSize, dropLast: dropLast)
        guard start >= 0 && start <= plan.batchCount else {
            throw DataError.invalidArgument("loader: batch \(start) of epoch \(epoch), which has \(plan.batchCount)")
        }
        return DataLoaderEpoch(loader: self, epoch: epoch, plan: plan, start: start)
    }

    /// Builds batch `number` of an epoch plan; a pure function of its arguments.
    func makeBatch(epoch: Int, number: Int, plan: DataLoaderPlan) -> Batch {
        let range = plan.range(of: number)
        let n = range.count
        let viewSizes = views.map { $0.outputSize(height: images.height, width: images.width) }
        let c = images.channels
        var buffers = viewSizes.map { [Float](repeating: 0, count: n * c * $0.height * $0.width) }
        for (slot, position) in range.enumerated() {
            let index = plan.indices[position]
            let source = AugImage(images, index: index)
            let sample = AugmentPipeline.sampleGenerator(seed: seed, epoch: epoch, index: index,
                                                         occurrence: plan.occurrences[position])
            for (v, pipeline) in views.enumerated() {
                var rng = sample.fork(UInt64(v))
                let out = pipeline.apply(to: source, using: &rng)
                let size = c * viewSizes[v].height * viewSizes[v].width
                buffers[v].withUnsafeMutableBufferPointer { buf in
                    if let base = buf.baseAddress, out.pixels.count == size {
                        normalization.normalize(out, into: base + slot * size)
                    }
                }
            }
        }
        let batchViews = viewSizes.enumerated().map { v, s in
            BatchView(data: buffers[v], count: n, channels: c, height: s.height, width: s.width)
        }
        let indices = Array(plan.indices[range])
        return Batch(views: batchViews, labels: indices.map { images.labels[$0] }, indices: indices,
                     epoch: epoch, number: number)
    }
}

/// What builds the batches of an epoch plan on the worker threads: the in-memory `DataLoader` or
/// the file-streaming `StreamingDataLoader`. `makeBatch` must be a pure function of its arguments
/// so that batches do not depend on the worker count.
protocol BatchBuilder: Sendable {
    var workers: Int { get }
    var prefetch: Int { get }
    func makeBatch(epoch: Int, number: Int, plan: DataLoaderPlan) -> Batch
    /// Where the runner records how far ahead of the consumer the workers got (nil: not recorded).
    var batchesInFlight: BatchesInFlight? { get }
    /// Whether `batch` could not be built and the epoch must end there (a fatal decode error);
    /// asked by the consumer in batch order, so the epoch ends at the first failed batch whatever
    /// the worker count.
    func failed(_ batch: Batch) -> Bool
}

extension BatchBuilder {
    func failed(_ batch: Batch) -> Bool { false }
    var batchesInFlight: BatchesInFlight? { nil }
}

/// The fixed sample order of one epoch, cut into batches.
struct DataLoaderPlan: Sendable {
    let indices: [Int]
    /// How many times `indices[i]` appeared before position i (0 for a sampler without replacement).
    let occurrences: [Int]
    let batchSize: Int
    let batchCount: Int

    init(indices: [Int], imageCount: Int, batchSize: Int, dropLast: Bool) {
        self.indices = indices
        var seen = [Int32](repeating: 0, count: imageCount)
        occurrences = indices.map { i in
            defer { seen[i] += 1 }
            return Int(seen[i])
        }
        self.batchSize = batchSize
        batchCount = dropLast ? indices.count / batchSize : (indices.count + batchSize - 1) / batchSize
    }

    func range(of number: Int) -> Range<Int> {
        (number * batchSize)..<min(indices.count, (number + 1) * batchSize)
    }
}

/// The batches of one epoch.
public struct DataLoaderEpoch: Sequence, Sendable {
    let loader: any BatchBuilder
    public let epoch: Int
    let plan: DataLoaderPlan
    /// The first batch this sequence yields.
    var start = 0

    /// Batches in the whole epoch (the skipped ones included).
    public var batchCount: Int { plan.batchCount }
    /// 0: a streaming epoch can end early (a fatal decode error), and `Array(epoch)` must not trust more.
    public var underestimatedCount: Int { 0 }

    public func makeIterator() -> DataLoaderIterator {
        DataLoaderIterator(runner: DataLoaderRunner(loader: loader, epoch: epoch, plan: plan, start: start))
    }
}

/// Yields an epoch's batches in order; stops its worker threads when dropped or stopped.
public struct DataLoaderIterator: IteratorProtocol {
    private let runner: DataLoaderRunner

    init(runner: DataLoaderRunner) { self.runner = runner }

    public mutating func next() -> Batch? { runner.next() }

    /// Ends the epoch early: waits for the workers to finish the batch they are on, then
    /// returns; later `next()` calls return nil.
    public func stop() { runner.stop() }
}

/// Owns the worker threads of one epoch. Workers claim batch numbers in order, at most
/// `prefetch` ahead of the consumer, and deposit results; the consumer takes them in order.
final class DataLoaderRunner: @unchecked Sendable {
    private let loader: any BatchBuilder
    private let epoch: Int
    private let plan: DataLoaderPlan
    private let shared: DataLoaderShared

    init(loader: any BatchBuilder, epoch: Int, plan: DataLoaderPlan, start: Int) {
        self.loader = loader
        self.epoch = epoch
        self.plan = plan
        shared = DataLoaderShared(prefetch: loader.prefetch, total: plan.batchCount, start: start, inFlight: loader.batchesInFlight)
        let workers = min(loader.workers, plan.batchCount - start)
        shared.live = workers
        for _ in 0..<workers {
            let (shared, loader, epoch, plan) = (self.shared, self.loader, self.epoch, self.plan)
            let thread = Thread {
                while let number = shared.claim() {
                    shared.deposit(loader.makeBatch(epoch: epoch, number: number, plan: plan), number: number)
                }
                shared.workerExited()
            }
            thread.name = "TailData.DataLoader"
            thread.start()
        }
    }

    deinit { stop() }

    func next() -> Batch? {
        let batch: Batch?
        if loader.workers == 0 {
            guard let number = shared.claimSynchronously() else { return nil }
            batch = loader.makeBatch(epoch: epoch, number: number, plan: plan)
        } else {
            batch = shared.take()
        }
        if let batch, loader.failed(batch) {
            stop()
            return nil
        }
        return batch
    }

    func stop() { shared.stopAndWait() }
}

/// The state workers and consumer share, guarded by one condition variable.
private final class DataLoaderShared: @unchecked Sendable {
    private let condition = NSCondition()
    private let prefetch: Int
    private let total: Int
    private var nextToClaim = 0
    private var consumed = 0
    private var ready: [Int: Batch] = [:]
    private var stopped = false
    private let inFlight: BatchesInFlight?
    var live = 0

    init(prefetch: Int, total: Int, start: Int, inFlight: BatchesInFlight?) {
        self.prefetch = prefetch
        self.total = total
        self.inFlight = inFlight
        nextToClaim = start
        consumed = start
    }

    /// The next batch number for a worker, or nil when the epoch is done or stopped.
    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !stopped && nextToClaim < total && nextToClaim >= consumed + prefetch { condition.wait() }
        guard !stopped && nextToClaim < total else { return nil }
        nextToClaim += 1
        inFlight?.record(nextToClaim - consumed)
        return nextToClaim - 1
    }

    func claimSynchronously() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped && consumed < total else { return nil }
        consumed += 1
        inFlight?.record(1)
        return consumed - 1
    }

    func deposit(_ batch: Batch, number: Int) {
        condition.lock()
        if !stopped { ready[number] = batch }
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch in order, waiting for it if a worker is still building it.
    func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        guard consumed < total else { return nil }
        while !stopped && ready[consumed] == nil { condition.wait() }
        guard !stopped, let batch = ready.removeValue(forKey: consumed) else { return nil }
        consumed += 1
        condition.broadcast()
        return batch
    }

    func workerExited() {
        condition.lock()
        live -= 1
        condition.broadcast()
        condition.unlock()
    }

    func stopAndWait() {
        condition.lock()
        stopped = true
        ready.removeAll()
        condition.broadcast()
        while live > 0 { condition.wait() }
        condition.unlock()
    }
}
