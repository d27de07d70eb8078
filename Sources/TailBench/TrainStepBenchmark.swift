import Foundation
import Torch
import TorchNN

/// TailKit's side of the ResNet-32 training-step benchmark: forward, backward and an SGD update
/// on a fixed random batch, exactly what scripts/bench_pytorch.py does in Python.
public struct TrainStepBenchmark {
    public var batch = 128
    public var steps = 20
    public var warmup = 5
    /// bfloat16 runs the forward pass and loss under libtorch's autocast (as `torch.autocast("cpu", torch.bfloat16)`).
    public var autocast: DType?

    public init(batch: Int = 128, steps: Int = 20, warmup: Int = 5, autocast: DType? = nil) {
        self.batch = batch
        self.steps = steps
        self.warmup = warmup
        self.autocast = autocast
    }

    struct Setup {
        let model: ResNetCIFAR
        let optimizer: SGD
        let x: Tensor
        let y: Tensor
        let autocast: DType?

        func step() throws {
            optimizer.zeroGrad()
            let loss = try autocast.map { dtype in try Autocast.run(dtype) { try Functional.crossEntropy(model(x), target: y) } }
                ?? Functional.crossEntropy(model(x), target: y)
            try loss.backward()
            try optimizer.step()
        }
    }

    func makeSetup() throws -> Setup {
        Torch.manualSeed(0)
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        model.train()
        try model.useChannelsLast()  // as SupervisedTask trains on the CPU
        let opt = try SGD(model.parameters(), lr: 0.1, momentum: 0.9, weightDecay: 2e-4)
        return Setup(model: model, optimizer: opt, x: try Tensor.randn([batch, 3, 32, 32]).channelsLast(),
                     y: try Tensor.randint(0, 10, [batch]), autocast: autocast)
    }

    /// Images per second over `steps` steps after `warmup`.
    public func imagesPerSecond() throws -> Double {
        let setup = try makeSetup()
        for _ in 0..<warmup { try setup.step() }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { try setup.step() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(batch * steps) / seconds
    }

    /// RSS after step 50 and after `totalSteps`, to show that nothing leaks per step.
    public func memoryGrowth(totalSteps: Int, progress: (Int) -> Void = { _ in }) throws -> (afterStep50: Int, atEnd: Int) {
        let setup = try makeSetup()
        var after50 = 0
        for i in 1...totalSteps {
            try setup.step()
            if i == min(50, totalSteps) { after50 = Torch.currentRSSBytes }
            progress(i)
        }
        return (after50, Torch.currentRSSBytes)
    }
}
