import Torch
import TorchNN

/// The exponential moving average of a model's weights that semi-supervised runs evaluate
/// (ytaek-oh/daso `lib/models/ema_model.py`): after optimizer step t (0-based),
///
///     d = min(1 − 1/(t+1), decay),   θ_ema ← d·θ_ema + (1 − d)·θ
///
/// for every parameter and every floating-point buffer (batch norm's running mean and variance are
/// averaged too, as the reference does; the integer batch counter is copied). The copy stays in
/// train mode outside evaluation, so DASO's queue embeds with batch statistics, as in the reference.
///
/// ```swift
/// let ema = try EMAModel(copying: model, fresh: try arch.make(numClasses: 10, inChannels: 3, normedClassifier: false))
/// try ema.update(from: model, step: t)
/// ```
public final class EMAModel: ClassifierModelReference {
    public let model: any ClassifierModel
    public let decay: Double

    /// `fresh` is a network of the same architecture; it takes `source`'s weights.
    public init(copying source: any ClassifierModel, fresh: any ClassifierModel, decay: Double = 0.999) throws {
        model = fresh
        self.decay = decay
        try withNoGrad {
            for (a, b) in zip(fresh.stateDict(), source.stateDict()) { try a.1.copy(from: b.1) }
        }
        for p in fresh.parameters() { _ = try p.requiringGrad(false) }
        fresh.train()
    }

    /// d = min(1 − 1/(t+1), decay) for step t.
    public func decay(at step: Int) -> Double { min(1 - 1 / Double(step + 1), decay) }

    public func update(from source: any ClassifierModel, step: Int) throws {
        let d = decay(at: step)
        try withNoGrad {
            for (a, b) in zip(model.stateDict(), source.stateDict()) {
                if a.1.dtype == .int64 {
                    try a.1.copy(from: b.1)
                } else {
                    try a.1.mulInPlace(d)
                    try a.1.addInPlace(b.1, alpha: 1 - d)
                }
            }
        }
    }

    public func features(of x: Tensor) throws -> Tensor { try model.features(x.channelsLast()) }
}
