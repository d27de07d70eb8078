import Foundation

/// How many batches of a loader are being built or wait, built, for the consumer: the batches
/// whose pixels are alive beside the one the consumer holds. The loader's workers never run more
/// than `prefetch` batches ahead, so the peak is at most `prefetch` whatever the data set's size,
/// and a loader's memory is bounded by (peak + 1) × batch bytes plus one decoded file per worker.
///
/// ```swift
/// let loader = try StreamingDataLoader(list: list, ..., prefetch: 2)
/// for _ in try loader.epoch(0) {}
/// print(loader.inFlight.peak)   // <= 2
/// ```
public final class BatchesInFlight: @unchecked Sendable {
    private let lock = NSLock()
    private var largest = 0

    public init() {}

    /// The most batches ahead of the consumer seen so far.
    public var peak: Int { lock.withLock { largest } }

    func record(_ ahead: Int) {
        lock.withLock { largest = max(largest, ahead) }
    }
}
