import Foundation
import Testing
@testable import Torch
@testable import TorchNN

@Suite struct ModuleTests {
    @Test func resnet32HasTheReferenceShapeAndNames() throws {
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        // The reference's resnet32 has 464,154 parameters for 10 classes.
        #expect(model.parameterCount == 464_154)
        let names = model.stateDict().map { $0.0 }
        #expect(names.first == "conv1.weight")
        #expect(names.contains("layer3.4.bn2.running_var"))
        #expect(names.contains("layer1.0.bn1.num_batches_tracked"))
        #expect(names.suffix(2) == ["fc.weight", "fc.bias"])
        let (logits, features) = try model.forwardWithFeatures(Tensor.randn([2, 3, 32, 32]))
        #expect(logits.shape == [2, 10])
        #expect(features.shape == [2, 64])
        let gray = try ResNetCIFAR.resnet32(numClasses: 10, inChannels: 1, normedClassifier: true)
        let cosines = try gray(Tensor.randn([2, 1, 28, 28]))
        #expect(cosines.shape == [2, 10])
        #expect(try cosines.abs().max().item() <= 1.0001)
    }

    @Test func stateDictRoundTripAndMismatchNamesKeys() throws {
        let a = try ResNetCIFAR.resnet32(numClasses: 10), b = try ResNetCIFAR.resnet32(numClasses: 10)
        try b.loadStateDict(a.stateDict())
        for ((n1, t1), (_, t2)) in zip(a.stateDict(), b.stateDict()) {
            #expect(try t1.toArray(Double.self) == t2.toArray(Double.self), "\(n1)")
        }
        let other = try ResNetCIFAR.resnet32(numClasses: 100)
        #expect(throws: StateDictMismatch.self) { try other.loadStateDict(a.stateDict()) }
        do {
            try other.loadStateDict(a.stateDict())
        } catch let m as StateDictMismatch {
            #expect(m.shapeMismatches.count == 2)
            #expect(m.description.contains("fc.weight"))
        }
        let loose = try other.loadStateDict(Array(a.stateDict().dropLast(2)) + [("extra", Tensor.ones([1]))], strict: false)
        #expect(loose.missingKeys == ["fc.weight", "fc.bias"])
        #expect(loose.unexpectedKeys == ["extra"])
    }

    @Test func trainEvalAndFreeze() throws {
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        model.eval()
        #expect(model.namedModules().allSatisfy { !$0.1.isTraining })
        let x = try Tensor.randn([2, 3, 32, 32])
        let before = try model.stateDict().first { $0.0 == "bn1.running_mean" }!.1.toArray(Float.self)
        _ = try model(x)
        #expect(try model.stateDict().first { $0.0 == "bn1.running_mean" }!.1.toArray(Float.self) == before)
        model.train()
        _ = try model(x)
        #expect(try model.stateDict().first { $0.0 == "bn1.running_mean" }!.1.toArray(Float.self) != before)
        let bnCount = try model.stateDict().first { $0.0 == "bn1.num_batches_tracked" }!.1.itemInt()
        #expect(bnCount == 1)
        model.freeze()
        model.classifier.freeze(false)
        #expect(model.trainableParameters().count == 2)
    }

    @Test func mlpLearnsXOR() throws {
        Torch.manualSeed(1)
        let x = try Tensor([0, 0, 0, 1, 1, 0, 1, 1] as [Float], shape: [4, 2])
        let y = try Tensor([0, 1, 1, 0] as [Int])
        let mlp = try Sequential(Linear(2, 16), Tanh(), Linear(16, 2))
        let opt = try SGD(mlp.parameters(), lr: 0.5, momentum: 0.9)
        var loss = 0.0
        for _ in 0..<300 {
            opt.zeroGrad()
            let l = try Functional.crossEntropy(mlp(x), target: y)
            try l.backward()
            try opt.step()
            loss = try l.item()
        }
        #expect(loss < 0.05)
        #expect(try mlp(x).argmax(dim: 1).toArray(Int.self) == [0, 1, 1, 0])
    }

    @Test func sgdMatchesTorchOptimFormulas() throws {
        // One parameter, gradient 2p (loss p^2), lr 0.1, momentum 0.9, wd 0.01, Nesterov.
        let p = try Tensor([1.0] as [Double]).requiringGrad()
        let opt = try SGD([p], lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)
        var value = 1.0, buf = 0.0
        for step in 0..<3 {
            opt.zeroGrad()
            try (p * p).sum().backward()
            try opt.step()
            let g = 2 * value + 0.01 * value
            buf = step == 0 ? g : 0.9 * buf + g
            value -= 0.1 * (g + 0.9 * buf)
            #expect(Swift.abs(try p.item() - value) < 1e-12)
        }
        #expect(opt.stateTensors().count == 1)
    }

    @Test func adamMatchesTorchOptimFormulas() throws {
        let p = try Tensor([0.5] as [Double]).requiringGrad()
        let opt = Adam([p], lr: 0.01)
        var value = 0.5, m = 0.0, v = 0.0
        for step in 1...3 {
            opt.zeroGrad()
            try (p * p).sum().backward()
            try opt.step()
            let g = 2 * value
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            let mh = m / (1 - Foundation.pow(0.9, Double(step))), vh = v / (1 - Foundation.pow(0.999, Double(step)))
            value -= 0.01 * mh / (vh.squareRoot() + 1e-8)
            #expect(Swift.abs(try p.item() - value) < 1e-9)
        }
    }

    @Test func referenceScheduleAndCosine() {
        let s = StepWarmupSchedule.reference(baseLR: 0.1, epochs: 200)
        let lrs = [0, 1, 4, 5, 159, 160, 179, 180, 199].map { s.learningRate(epoch: $0) }
        let want = [0.02, 0.04, 0.1, 0.1, 0.1, 0.001, 0.001, 0.00001, 0.00001]
        for (a, b) in zip(lrs, want) { #expect(Swift.abs(a - b) < 1e-12) }
        let scaled = StepWarmupSchedule.reference(baseLR: 0.1, epochs: 30)
        #expect(scaled.warmupEpochs == 1 && scaled.milestones.map { $0.epoch } == [24, 27])
        let c = CosineSchedule(baseLR: 0.1, epochs: 10)
        #expect(Swift.abs(c.learningRate(epoch: 0) - 0.1) < 1e-12)
        #expect(Swift.abs(c.learningRate(epoch: 5) - (0.0001 + 0.0999 / 2)) < 1e-12)
    }
}
