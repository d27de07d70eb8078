import Torch

/// ABC's class-balanced Bernoulli masks (Lee, Shin, Kim, "ABC: Auxiliary Balanced Classifier for
/// Class-imbalanced Semi-supervised Learning", NeurIPS 2021; spec `shared/spec/daso.md` §4.7,
/// ytaek-oh/daso `lib/algorithm/fixmatch_abc.py`). Each sample's loss term is kept with the
/// probability of its class,
///
///     b_c  = n_min / n_c                                    (labeled class counts n_c)
///     b'_c = 1 − (min(e, 500) / 500) · (1 − b_c),  e = ⌊t / 500⌋   (unlabeled schedule at step t)
///     m_i  = 1[u_i < b_{class_i}],  u_i ~ U(0, 1)
///
/// so that every class is seen about as often as the rarest. The reference takes n_{C−1} (it assumes
/// the last class is the tail); n_min is the same there and right for any ranking. The schedule
/// starts with every pseudo-label kept (b' = 1) and reaches b at e = 500; the clamp at 500 only
/// matters past 250 000 steps (the reference does not clamp).
///
/// ```swift
/// let masks = ABCBernoulliMask(labeledCounts: [100, 40, 10])   // b = [0.1, 0.25, 1]
/// let keep = try masks.draw(classes: [0, 2], probabilities: masks.probabilities, generator: g)
/// ```
public struct ABCBernoulliMask: Sendable {
    /// b_c = n_min / n_c.
    public let probabilities: [Double]
    /// Steps per schedule "epoch" (500) and epochs until b' reaches b (500).
    public static let stepsPerEpoch = 500
    public static let scheduleEpochs = 500

    public init(labeledCounts: [Int]) throws {
        guard let low = labeledCounts.min(), low > 0 else {
            throw TailKitError.invalidOption("ABC needs at least one labeled image of every class, got counts \(labeledCounts)")
        }
        probabilities = labeledCounts.map { Double(low) / Double($0) }
    }

    /// b'_c at step t (0-based).
    public func scheduled(step: Int) -> [Double] {
        let epoch = min(step / Self.stepsPerEpoch, Self.scheduleEpochs)
        let progress = Double(epoch) / Double(Self.scheduleEpochs)
        return probabilities.map { 1 - progress * (1 - $0) }
    }

    /// One Bernoulli draw per sample: 1 where u_i < probabilities[classes[i]], u_i drawn from
    /// `generator` in sample order.
    public func draw(classes: [Int], probabilities: [Double], generator: TorchGenerator) throws -> [Float] {
        guard !classes.isEmpty else { return [] }
        let u = try Tensor.rand([classes.count], dtype: .float64, generator: generator).toArray(Double.self)
        return try keep(classes: classes, probabilities: probabilities, uniforms: u)
    }

    /// m_i = 1[u_i < probabilities[classes[i]]] for given uniforms u (one per sample).
    public func keep(classes: [Int], probabilities: [Double], uniforms u: [Double]) throws -> [Float] {
        guard u.count == classes.count else {
            throw TailKitError.invalidOption("ABC: \(u.count) uniform draws for \(classes.count) samples")
        }
        return zip(classes, u).map { $1 < probabilities[$0] ? 1 : 0 }
    }
}
