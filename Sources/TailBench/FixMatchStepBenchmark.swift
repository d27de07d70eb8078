import Foundation
import TailData
import TailKit
import Torch
import TorchNN

/// TailKit's side of the FixMatch iteration benchmark: one step of `SemiSupervisedTask` with FixMatch
/// (WRN-28-2, `batch` labeled and μ·`batch` unlabeled images in a weak and a strong view, one forward
/// pass over all of them, the labeled and masked unlabeled losses, backward, SGD with Nesterov, the EMA
/// update), on fixed random 32x32 RGB views: what scripts/bench_pytorch.py's `fixmatch_step` does with
/// the loop of DASO's `lib/algorithm/fixmatch.py`.
public struct FixMatchStepBenchmark {
    public var batch: Int
    public var mu: Double
    public var steps: Int
    public var warmup: Int
    public static let classes = 10

    public init(batch: Int = 64, mu: Double = 7, steps: Int = 2, warmup: Int = 1) {
        self.batch = batch
        self.mu = mu
        self.steps = steps
        self.warmup = warmup
    }

    /// Labeled images per second (each step also takes 2·μ·batch unlabeled views).
    public func labeledImagesPerSecond() throws -> Double {
        let classes = Self.classes, u = Int(Double(batch) * mu)
        let set = ImageSet(images: [UInt8](repeating: 128, count: batch * 3 * 32 * 32), labels: (0..<batch).map { $0 % classes },
                           height: 32, width: 32, channels: 3, classNames: (0..<classes).map { "c\($0)" })
        var base = TrainConfig(task: .ssl)
        base.batchSize = batch
        var ssl = SSLConfig(algorithm: .fixmatch)
        ssl.mu = mu
        let task = try SemiSupervisedTask(config: SSLRunConfig(base: base, ssl: ssl),
                                          data: SSLData(labeled: set, unlabeled: set, validation: set, test: set, normalization: .dasoCIFAR10))
        let optimizer = try SGD(task.parameters(), lr: base.lr, momentum: base.momentum, weightDecay: base.wd, nesterov: true)
        Torch.manualSeed(1)
        let view = { (n: Int) in BatchView(data: try Tensor.randn([n, 3, 32, 32]).toArray(Float.self), count: n, channels: 3, height: 32, width: 32) }
        let labeled = Batch(views: [try view(batch)], labels: set.labels, indices: Array(0..<batch), epoch: 0, number: 0)
        let unlabeled = Batch(views: [try view(u), try view(u)], labels: (0..<u).map { $0 % classes }, indices: Array(0..<u), epoch: 0, number: 0)
        func step(_ i: Int) throws {
            let out = try task.step(SSLBatch(labeled: labeled, unlabeled: unlabeled),
                                    at: SchedulePosition(epoch: 0, step: i, stepsPerEpoch: 1, totalSteps: 1 << 20))
            optimizer.zeroGrad()
            try out.loss.backward()
            try optimizer.step()
            try task.afterOptimizerStep()
        }
        for i in 0..<warmup { try step(i) }
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<steps { try step(warmup + i) }
        return Double(batch * steps) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
