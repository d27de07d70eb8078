import Foundation
import TailData
import TailKit
import Torch
import TorchNN

/// Training throughput including the data pipeline: a ResNet-32 epoch over uint8 CIFAR-shaped
/// images with pad-crop + flip + normalise on the loader's threads, as scripts/bench_pytorch.py
/// does with a PyTorch DataLoader. One warm-up epoch, then one timed epoch.
public struct EndToEndBenchmark {
    public var images: Int
    public var batch: Int
    public var workers: Int

    public init(images: Int = 2560, batch: Int = 128, workers: Int = 2) {
        self.images = images
        self.batch = batch
        self.workers = workers
    }

    public func imagesPerSecond() throws -> Double {
        var rng = SeededGenerator(seed: 0)
        let bytes = (0..<(images * 3072)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let set = ImageSet(images: bytes, labels: (0..<images).map { _ in rng.int(below: 10) }, height: 32, width: 32,
                           channels: 3, classNames: (0..<10).map { "class \($0)" })
        let loader = try DataLoader(shuffling: set, batchSize: batch, dropLast: false,
                                    views: [try AugmentPipeline.named("weak", inputHeight: 32, inputWidth: 32)],
                                    normalization: .issCIFAR, seed: 0, workers: workers, prefetch: max(2, 2 * workers))
        Torch.manualSeed(0)
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        model.train()
        try model.useChannelsLast()  // as SupervisedTask trains on the CPU
        let optimizer = try SGD(model.parameters(), lr: 0.1, momentum: 0.9, weightDecay: 2e-4)
        func epoch(_ e: Int) throws -> Int {
            var seen = 0
            for b in try loader.epoch(e) {
                optimizer.zeroGrad()
                try Functional.crossEntropy(model(b.views[0].tensor().channelsLast()), target: b.labelTensor()).backward()
                try optimizer.step()
                seen += b.count
            }
            return seen
        }
        _ = try epoch(0)
        let start = DispatchTime.now().uptimeNanoseconds
        let seen = try epoch(1)
        return Double(seen) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
