import Testing
@testable import Torch

@Suite struct RandomTests {
    @Test func generatorsAreReproducibleAndRestorable() throws {
        let g1 = try TorchGenerator(seed: 42), g2 = try TorchGenerator(seed: 42)
        let a = try Tensor.randn([100], generator: g1).toArray(Float.self)
        #expect(try Tensor.randn([100], generator: g2).toArray(Float.self) == a)
        let state = try g1.state()
        let next = try Tensor.rand([10], generator: g1).toArray(Float.self)
        try g1.setState(state)
        #expect(try Tensor.rand([10], generator: g1).toArray(Float.self) == next)
        #expect(try Tensor.rand([10], generator: g2).toArray(Float.self) == next)
    }

    @Test func seedZeroMatchesPyTorch() throws {
        // torch.manual_seed(0); torch.rand(3) -> [0.4963, 0.7682, 0.0885]: the same mt19937 stream.
        // (A private generator, because tests run in parallel and share the default one.)
        let r = try Tensor.rand([3], generator: TorchGenerator(seed: 0)).toArray(Float.self)
        #expect(Swift.abs(r[0] - 0.4963) < 1e-4 && Swift.abs(r[1] - 0.7682) < 1e-4 && Swift.abs(r[2] - 0.0885) < 1e-4)
    }

    @Test func distributionsHaveTheRightRangeAndMoments() throws {
        let g = try TorchGenerator(seed: 7)
        let ints = try Tensor.randint(3, 9, [5000], generator: g).toArray(Int.self)
        #expect(ints.min() == 3 && ints.max() == 8)
        let perm = try Tensor.randperm(50, generator: g).toArray(Int.self)
        #expect(perm.sorted() == Array(0..<50))
        let bern = try Tensor.full([20000], 0.3).bernoulli(generator: g).mean().item()
        #expect(Swift.abs(bern - 0.3) < 0.02)
        let beta = try Tensor.beta(4, 4, shape: [20000], generator: g)
        #expect(try beta.min().item() > 0 && beta.max().item() < 1)
        #expect(Swift.abs(try beta.mean().item() - 0.5) < 0.01)
        let u = try Tensor.zeros([20000]).uniform(-2, 2, generator: g)
        #expect(Swift.abs(try u.mean().item()) < 0.05)
        let n = try Tensor.zeros([20000]).normal(mean: 1, std: 3, generator: g)
        #expect(Swift.abs(try n.std().item() - 3) < 0.1)
        let picks = try Tensor([0, 1, 0] as [Float]).multinomial(10, replacement: true, generator: g).toArray(Int.self)
        #expect(picks.allSatisfy { $0 == 1 })
    }
}
