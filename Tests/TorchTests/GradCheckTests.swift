import Testing
@testable import Torch

/// Finite-difference gradient checks in float64: autograd's gradient of a scalar function must
/// match (f(x + h e_i) - f(x - h e_i)) / 2h for every input element.
@Suite struct GradCheckTests {
    private func expectGradientsMatch(_ inputs: [Tensor], tolerance: Double = 1e-6,
                                      _ f: ([Tensor]) throws -> Tensor) throws {
        for x in inputs { x.requiresGrad = true }
        try f(inputs).backward()
        let h = 1e-6
        for (k, x) in inputs.enumerated() {
            let analytic = try #require(x.grad).toArray(Double.self)
            var base = try x.toArray(Double.self)
            for i in base.indices {
                let original = base[i]
                base[i] = original + h
                let plus = try withNoGrad { try f(replacing(inputs, at: k, with: base)).item() }
                base[i] = original - h
                let minus = try withNoGrad { try f(replacing(inputs, at: k, with: base)).item() }
                base[i] = original
                let numeric = (plus - minus) / (2 * h)
                #expect(Swift.abs(numeric - analytic[i]) <= tolerance * max(1, Swift.abs(numeric)),
                        "input \(k) element \(i): numeric \(numeric) vs autograd \(analytic[i])")
            }
        }
    }

    private func replacing(_ inputs: [Tensor], at k: Int, with values: [Double]) throws -> [Tensor] {
        var copy = inputs
        copy[k] = try Tensor(values, shape: inputs[k].shape)
        return copy
    }

    private func randn(_ shape: [Int]) throws -> Tensor { try Tensor.randn(shape, dtype: .float64) }

    @Test func conv2d() throws {
        let x = try randn([2, 2, 5, 5]), w = try randn([3, 2, 3, 3]), b = try randn([3])
        try expectGradientsMatch([x, w, b]) { t in
            try Functional.conv2d(t[0], weight: t[1], bias: t[2], stride: (2, 2), padding: (1, 1)).square().sum()
        }
    }

    @Test func batchNormTraining() throws {
        let x = try randn([4, 3, 2, 2]), g = try randn([3]), b = try randn([3])
        try expectGradientsMatch([x, g, b]) { t in
            let y = try Functional.batchNorm(t[0], weight: t[1], bias: t[2], runningMean: nil, runningVar: nil, training: true)
            return try (y * y.sin()).sum()
        }
    }

    @Test func batchNormEvalUsesRunningStats() throws {
        let mean = try Tensor([1, -1] as [Double]), variance = try Tensor([4, 0.25] as [Double])
        let x = try Tensor([3, 0] as [Double], shape: [1, 2, 1, 1])
        let y = try Functional.batchNorm(x, weight: nil, bias: nil, runningMean: mean, runningVar: variance,
                                         training: false, eps: 0).toArray(Double.self)
        #expect(Swift.abs(y[0] - 1) < 1e-12 && Swift.abs(y[1] - 2) < 1e-12)
    }

    @Test func batchNormUpdatesRunningStats() throws {
        let mean = try Tensor.zeros([1], dtype: .float64), variance = try Tensor.ones([1], dtype: .float64)
        let x = try Tensor([1, 3] as [Double], shape: [2, 1, 1, 1])
        _ = try Functional.batchNorm(x, weight: nil, bias: nil, runningMean: mean, runningVar: variance, training: true, momentum: 0.1)
        // batch mean 2, unbiased batch variance 2: new = 0.9 old + 0.1 batch.
        #expect(Swift.abs(try mean.item() - 0.2) < 1e-12)
        #expect(Swift.abs(try variance.item() - 1.1) < 1e-12)
    }

    @Test func linear() throws {
        let x = try randn([3, 4]), w = try randn([2, 4]), b = try randn([2])
        try expectGradientsMatch([x, w, b]) { t in try Functional.linear(t[0], weight: t[1], bias: t[2]).tanh().sum() }
    }

    @Test func crossEntropyWithWeightsAndSmoothing() throws {
        let logits = try randn([5, 4])
        let target = try Tensor([0, 3, 1, 1, 2] as [Int])
        let weight = try Tensor([1, 2, 0.5, 3] as [Double])
        try expectGradientsMatch([logits]) { t in
            try Functional.crossEntropy(t[0], target: target, weight: weight, labelSmoothing: 0.1)
        }
    }

    @Test func crossEntropySoftTargets() throws {
        let logits = try randn([3, 4])
        let soft = try Functional.softmax(randn([3, 4]), dim: 1)
        try expectGradientsMatch([logits]) { t in try Functional.crossEntropy(t[0], target: soft) }
    }

    @Test func autogradGradLeavesDotGradAlone() throws {
        let x = try Tensor([1, 2, 3] as [Double]).requiringGrad()
        let y = try (x * x).sum()
        let g = try Autograd.grad(of: [y], withRespectTo: [x])
        #expect(try #require(g[0]).toArray(Double.self) == [2, 4, 6])
        #expect(x.grad == nil)
    }

    @Test func noGradScopeRecordsNothing() throws {
        let x = try Tensor([1, 2] as [Float]).requiringGrad()
        let y = try withNoGrad { try x * 2 }
        #expect(!y.requiresGrad)
        #expect(Autograd.isEnabled)
        let z = try x * 2
        #expect(z.requiresGrad)
        #expect(try !z.detach().requiresGrad)
    }
}
