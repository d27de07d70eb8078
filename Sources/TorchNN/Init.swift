import Torch

/// Weight initialisers (torch.nn.init), drawing from libtorch's default generator unless one is given,
/// so `Torch.manualSeed` makes a model's initial weights reproducible.
public enum Init {
    /// fan_in and fan_out of a Linear [out, in] or Conv [out, in, kh, kw] weight.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else { return (shape.first ?? 1, shape.first ?? 1) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Which fan a Kaiming initialiser scales by (torch's `mode='fan_in'` / `mode='fan_out'`).
    public enum FanMode: Sendable { case fanIn, fanOut }

    /// Kaiming normal with ReLU gain: std = sqrt(2 / fan), fan_in unless `mode` says otherwise.
    public static func kaimingNormal(_ w: Tensor, mode: FanMode = .fanIn, generator: TorchGenerator? = nil) throws {
        let (fanIn, fanOut) = fans(w.shape)
        let std = (2.0 / Double(max(1, mode == .fanIn ? fanIn : fanOut))).squareRoot()
        try w.normal(mean: 0, std: std, generator: generator)
    }

    /// Kaiming uniform with negative slope `a` (PyTorch's default Linear/Conv init uses a = sqrt(5)).
    public static func kaimingUniform(_ w: Tensor, a: Double = 0, generator: TorchGenerator? = nil) throws {
        let gain = (2.0 / (1 + a * a)).squareRoot()
        let bound = gain * (3.0 / Double(max(1, fans(w.shape).fanIn))).squareRoot()
        try w.uniform(-bound, bound, generator: generator)
    }

    public static func xavierUniform(_ w: Tensor, gain: Double = 1, generator: TorchGenerator? = nil) throws {
        let (fi, fo) = fans(w.shape)
        let bound = gain * (6.0 / Double(max(1, fi + fo))).squareRoot()
        try w.uniform(-bound, bound, generator: generator)
    }

    public static func xavierNormal(_ w: Tensor, gain: Double = 1, generator: TorchGenerator? = nil) throws {
        let (fi, fo) = fans(w.shape)
        try w.normal(mean: 0, std: gain * (2.0 / Double(max(1, fi + fo))).squareRoot(), generator: generator)
    }

    /// PyTorch's default bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    public static func defaultBias(_ b: Tensor, fanIn: Int, generator: TorchGenerator? = nil) throws {
        let bound = 1.0 / Double(max(1, fanIn)).squareRoot()
        try b.uniform(-bound, bound, generator: generator)
    }
}
