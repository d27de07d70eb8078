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
    /// Why the batches ended early, when the stream knows (a streamed image that failed to decode).
    var endReason: Error? { get }
}

extension BatchStream {
    public var endReason: Error? { nil }
}

/// A `DataLoader` (or a `StreamingDataLoader`) as a stream: its epochs one after the other.
///
/// ```swift
/// let stream = try DataLoaderStream(loader)
/// let it = try stream.batches(fromStep: 2 * stream.stepsPerEpoch + 3)   // epoch 2, batch 3
/// ```
public struct DataLoaderStream: BatchStream {
    public let stepsPerEpoch: Int
    private let epochs: (Int, Int) throws -> DataLoaderEpoch
    private var failure: () -> Error? = { nil }

    public var endReason: Error? { failure() }

    public init(_ loader: DataLoader) throws {
        try self.init(epochs: loader.epoch(_:startingAt:), images: loader.images.count, batchSize: loader.batchSize)
    }

    public init(_ loader: StreamingDataLoader) throws {
        try self.init(epochs: loader.epoch(_:startingAt:), images: loader.list.count, batchSize: loader.batchSize)
        failure = { loader.failureLog.fatalFailure }
    }

    private init(epochs: @escaping (Int, Int) throws -> DataLoaderEpoch, images: Int, batchSize: Int) throws {
        self.epochs = epochs
        stepsPerEpoch = try epochs(0, 0).batchCount
        guard stepsPerEpoch > 0 else {
            throw TailKitError.invalidOption("the data set gives no batch (\(images) images, batch size \(batchSize))")
        }
    }

    public func batches(fromStep step: Int) throws -> AnyIterator<Batch> {
        var epoch = step / stepsPerEpoch
        var position = step % stepsPerEpoch
        var current = try epochs(epoch, position).makeIterator()
        let (epochs, stepsPerEpoch) = (self.epochs, self.stepsPerEpoch)
        return AnyIterator {
            if let batch = current.next() {
                position += 1
                return batch
            }
            // An epoch that ended early (a streaming loader's fatal decode error) ends the stream.
            guard position == stepsPerEpoch else { return nil }
            epoch += 1
            guard let next = try? epochs(epoch, 0).makeIterator() else { return nil }
            current = next
            guard let batch = current.next() else { return nil }
            position = 1
            return batch
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
