import TailData

/// A task's batches addressed by global step, epoch after epoch without end: the trainer asks
/// for them from the step it starts at (0, or where a checkpoint left off), so a resumed run
/// sees exactly the batches the uninterrupted one would have.
public protocol BatchStream<Element> {
    associatedtype Element
    /// Batches in one (data) epoch.
    var stepsPerEpoch: Int { get }
    /// The batches from global step `step` on: epoch step / stepsPerEpoch, batch step % stepsPerEpoch.
    func batches(fromStep step: Int) throws -> AnyIterator<Element>
}

/// A `DataLoader` as a stream: its epochs one after the other.
///
/// ```swift
/// let stream = try DataLoaderStream(loader)
/// let it = try stream.batches(fromStep: 2 * stream.stepsPerEpoch + 3)   // epoch 2, batch 3
/// ```
public struct DataLoaderStream: BatchStream {
    public let loader: DataLoader
    public let stepsPerEpoch: Int

    public init(_ loader: DataLoader) throws {
        self.loader = loader
        stepsPerEpoch = try loader.epoch(0).batchCount
        guard stepsPerEpoch > 0 else {
            throw TailKitError.invalidOption("the data set gives no batch (\(loader.images.count) images, batch size \(loader.batchSize))")
        }
    }

    public func batches(fromStep step: Int) throws -> AnyIterator<Batch> {
        var epoch = step / stepsPerEpoch
        var current = try loader.epoch(epoch, startingAt: step % stepsPerEpoch).makeIterator()
        return AnyIterator {
            if let batch = current.next() { return batch }
            epoch += 1
            guard let next = try? loader.epoch(epoch).makeIterator() else { return nil }
            current = next
            return current.next()
        }
    }
}

/// A labeled and an unlabeled loader stepped together (FixMatch-style methods: B labeled and
/// μB unlabeled images per step). Each loader runs through its own epochs at its own pace; the
/// stream's epoch is the labeled loader's.
public struct PairedBatchStream: BatchStream {
    public let labeled: DataLoaderStream
    public let unlabeled: DataLoaderStream
    public var stepsPerEpoch: Int { labeled.stepsPerEpoch }

    public init(labeled: DataLoader, unlabeled: DataLoader) throws {
        self.labeled = try DataLoaderStream(labeled)
        self.unlabeled = try DataLoaderStream(unlabeled)
    }

    public func batches(fromStep step: Int) throws -> AnyIterator<(labeled: Batch, unlabeled: Batch)> {
        let l = try labeled.batches(fromStep: step), u = try unlabeled.batches(fromStep: step)
        return AnyIterator {
            guard let a = l.next(), let b = u.next() else { return nil }
            return (a, b)
        }
    }
}
