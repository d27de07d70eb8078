/// One view of a batch: `count x channels x height x width` normalised floats, contiguous.
public struct BatchView: Sendable, Equatable {
    public var data: [Float]
    public var count: Int
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(data: [Float], count: Int, channels: Int, height: Int, width: Int) {
        self.data = data
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// [N, C, H, W], the tensor shape the trainer builds from `data`.
    public var shape: [Int] { [count, channels, height, width] }
}

/// What the loader hands the trainer: every view of the same samples, their labels and their
/// dataset indices (partial-label and RECORDS training keep per-sample tables keyed by index).
public struct Batch: Sendable, Equatable {
    public var views: [BatchView]
    public var labels: [Int]
    public var indices: [Int]
    public var epoch: Int
    /// Position of this batch within its epoch, from 0.
    public var number: Int

    public init(views: [BatchView], labels: [Int], indices: [Int], epoch: Int, number: Int) {
        self.views = views
        self.labels = labels
        self.indices = indices
        self.epoch = epoch
        self.number = number
    }

    public var count: Int { indices.count }
}
