import Foundation
import TailData
import Torch
import TorchNN

/// Labels an unlabeled pool with a trained base classifier (ISS 4.3, `gen_pseudolabels.py`): the
/// model in eval mode, test-time normalisation only, argmax of the logits in pool order; also
/// keeps each prediction's softmax confidence.
public struct PseudoLabeler {
    public var model: any ClassifierModel
    public var normalization: ImageNormalization
    public var batchSize = 200
    public var device: Device = .cpu

    public init(model: any ClassifierModel, normalization: ImageNormalization) {
        self.model = model
        self.normalization = normalization
    }

    public struct Result {
        public var labels: [Int]
        public var confidences: [Double]
    }

    public func label(_ pool: ImageSet) throws -> Result {
        let out = try Evaluator(normalization: normalization, batchSize: batchSize, device: device).run(model, on: pool)
        return Result(labels: out.topK.map { $0[0] }, confidences: out.confidences)
    }
}
