/// An in-memory labelled image dataset: `count` images stored back to back,
/// each `height x width x channels` bytes in HWC order (row-major, channels last),
/// which is how CIFAR, SVHN and STL-10 look once decoded.
/// `labels[i]` is in `0..<classNames.count` (or -1 for an unlabelled pool image).
public struct ImageSet: Sendable, Equatable {
    public var images: [UInt8]
    public var labels: [Int]
    public var height: Int
    public var width: Int
    public var channels: Int
    public var classNames: [String]

    public init(images: [UInt8], labels: [Int], height: Int, width: Int, channels: Int, classNames: [String]) {
        self.images = images
        self.labels = labels
        self.height = height
        self.width = width
        self.channels = channels
        self.classNames = classNames
    }

    public var count: Int { labels.count }
    public var numClasses: Int { classNames.count }
    public var imageBytes: Int { height * width * channels }

    /// The bytes of image `i` (HWC).
    public func image(_ i: Int) -> ArraySlice<UInt8> {
        images[(i * imageBytes)..<((i + 1) * imageBytes)]
    }

    /// A new set holding the images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageSet {
        var out = [UInt8]()
        out.reserveCapacity(indices.count * imageBytes)
        for i in indices { out.append(contentsOf: image(i)) }
        return ImageSet(images: out, labels: indices.map { labels[$0] }, height: height, width: width,
                        channels: channels, classNames: classNames)
    }

    /// Images per class, indexed by label.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: numClasses)
        for l in labels where l >= 0 && l < numClasses { counts[l] += 1 }
        return counts
    }
}
