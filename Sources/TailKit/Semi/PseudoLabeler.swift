import Foundation
import TailData
import Torch
import TorchNN

/// Labels an unlabeled pool with a trained base classifier, as imbalanced-semi-self's
/// `gen_pseudolabels.py` (Yang & Xu, NeurIPS 2020): the model in eval mode, test-time normalisation
/// only, ŷ_i = argmax_c z_c(x_i) in pool order; also keeps each prediction's softmax confidence
/// max_c softmax(z(x_i))_c.
///
/// ```swift
/// let labeler = PseudoLabeler(model: model, normalization: data.normalization)
/// let result = try labeler.label(pool)          // result.labels[i], result.confidences[i]
/// ```
public struct PseudoLabeler {
    public var model: any ClassifierModel
    public var normalization: ImageNormalization
    public var batchSize = 200
    public var device: Device = .cpu
    /// The forward passes' precision (bf16/fp16 under autocast).
    public var precision = Precision.fp32

    public init(model: any ClassifierModel, normalization: ImageNormalization) {
        self.model = model
        self.normalization = normalization
    }

    public struct Result {
        public var labels: [Int]
        public var confidences: [Double]
    }

    public func label(_ pool: ImageSet) throws -> Result {
        let out = try Evaluator(normalization: normalization, batchSize: batchSize, device: device, precision: precision).run(model, on: pool)
        return Result(labels: out.topK.map { $0[0] }, confidences: out.confidences)
    }
}
