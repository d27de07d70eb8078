import Foundation
import TailData
import TailKit
import Torch
import TorchNN

/// TailKit's side of the partial-label training-step benchmark: one CORR + RECORDS step of
/// `PartialLabelTask` (ResNet-18, weak and strong views of `batch` samples in one forward pass, the
/// loss, the feature-mean and confidence updates, backward, SGD), on fixed random views of 32x32 RGB
/// images, exactly what scripts/bench_pytorch.py's `pll_step` does with the reference's train.py loop.
public struct PartialLabelStepBenchmark {
    public var batch: Int
    public var steps: Int
    public var warmup: Int
    public static let classes = 10

    public init(batch: Int = 32, steps: Int = 3, warmup: Int = 1) {
        self.batch = batch
        self.steps = steps
        self.warmup = warmup
    }

    /// Training samples (each two views) per second over `steps` steps after `warmup`.
    public func samplesPerSecond() throws -> Double {
        let n = 4 * batch, classes = Self.classes
        let labels = (0..<n).map { $0 % classes }
        let images = [UInt8](repeating: 128, count: n * 3 * 32 * 32)
        let set = ImageSet(images: images, labels: labels, height: 32, width: 32, channels: 3, classNames: (0..<classes).map { "c\($0)" })
        var numpy = NumpyRandomState(seed: 0)
        let candidates = try PartialLabels.uniform(labels: labels, classes: classes, q: 0.3, rng: &numpy)
        var base = TrainConfig(task: .pll)
        base.batchSize = batch
        let task = try PartialLabelTask(config: PartialLabelRunConfig(base: base, pll: PartialLabelConfig(method: .records)),
                                        data: PartialLabelData(train: set, test: set, normalization: .recordsCIFAR10, candidates: candidates))
        try task.epochStarted(1)    // past update-start: every step updates its confidences
        let optimizer = try base.makeOptimizer(task.parameters())
        Torch.manualSeed(1)
        let views = try (0..<2).map { _ in
            BatchView(data: try Tensor.randn([batch, 3, 32, 32]).toArray(Float.self), count: batch, channels: 3, height: 32, width: 32)
        }
        func step(_ i: Int) throws {
            let indices = (0..<batch).map { (i * batch + $0) % n }
            let input = Batch(views: views, labels: indices.map { labels[$0] }, indices: indices, epoch: 1, number: i)
            let out = try task.step(input, at: SchedulePosition(epoch: 1, step: i, stepsPerEpoch: 4, totalSteps: 1 << 20))
            optimizer.zeroGrad()
            try out.loss.backward()
            try optimizer.step()
        }
        for i in 0..<warmup { try step(i) }
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<steps { try step(warmup + i) }
        return Double(batch * steps) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
