import Foundation
import TailData

/// Throughput of the data pipeline on synthetic CIFAR-sized images (what `make bench` prints).
public enum LoaderBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        /// Pad-crop + flip + normalise + batching, images per second.
        public var weakImagesPerSecond: Double
        /// FixMatch strong view (flip, reflect crop, RandAugment, Cutout) + normalise + batching.
        public var strongImagesPerSecond: Double
        public var images: Int
        public var workers: Int
        public var batchSize: Int

        public var description: String {
            String(format: "loader: weak %.0f img/s, strong %.0f img/s (%d images 3x32x32, batch %d, %d workers)",
                   weakImagesPerSecond, strongImagesPerSecond, images, batchSize, workers)
        }
    }

    /// Runs one epoch of each pipeline over `images` random 32x32x3 images.
    public static func run(images: Int = 20_000, batchSize: Int = 128, workers: Int = 2, seed: UInt64 = 0) throws -> Result {
        var rng = SeededGenerator(seed: seed)
        let bytes = (0..<(images * 3072)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let set = ImageSet(images: bytes, labels: (0..<images).map { $0 % 10 }, height: 32, width: 32, channels: 3,
                           classNames: (0..<10).map { "class\($0)" })
        func imagesPerSecond(_ pipeline: String) throws -> Double {
            let views = [try AugmentPipeline.named(pipeline, inputHeight: 32, inputWidth: 32)]
            let loader = try DataLoader(shuffling: set, batchSize: batchSize, dropLast: false, views: views,
                                        normalization: .dasoCIFAR10, seed: seed, workers: workers,
                                        prefetch: max(2, 2 * workers))
            let start = DispatchTime.now().uptimeNanoseconds
            var seen = 0
            for batch in try loader.epoch(0) { seen += batch.count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return Double(seen) / max(seconds, 1e-9)
        }
        return Result(weakImagesPerSecond: try imagesPerSecond("weak"),
                      strongImagesPerSecond: try imagesPerSecond("strong"),
                      images: images, workers: workers, batchSize: batchSize)
    }
}
