import TailData
import Torch
import TorchNN

/// Runs a model over a labelled set without augmentation and collects predictions.
public struct Evaluator {
    public var normalization: ImageNormalization
    public var batchSize: Int
    public var device: Device
    public var workers: Int
    /// The forward passes' precision (bf16/fp16 run under autocast).
    public var precision: Precision

    public init(normalization: ImageNormalization, batchSize: Int = 256, device: Device = .cpu, workers: Int = 1,
                precision: Precision = .fp32) {
        self.normalization = normalization
        self.batchSize = batchSize
        self.device = device
        self.workers = workers
        self.precision = precision
    }

    public struct Output {
        /// Top-5 (or top-C when C < 5) predicted classes per sample, best first.
        public var topK: [[Int]]
        public var labels: [Int]
        /// Mean cross entropy of the plain logits against the labels.
        public var loss: Double
        /// Penultimate features, when asked for (t-SNE, cRT).
        public var features: [[Float]]
        /// Softmax probability of the top-ranked class, per sample.
        public var confidences: [Double]
        /// Every class's softmax probability of the ranked logits, per sample, when asked for (predict).
        public var probabilities: [[Double]] = []
    }

    /// Predictions for every image of `set`, in order. `logitScales` multiply the logits (LWS's
    /// per-class scales while they train); `logitOffsets` are added before ranking (post-hoc logit
    /// adjustment: −τ log π). `outputSize` resizes every image to that side first (PIL bilinear; DASO's
    /// STL-10 96 -> 32).
    public func run(_ model: ClassifierModel, on set: ImageSet, logitOffsets: [Double]? = nil, logitScales: Tensor? = nil,
                    keepFeatures: Bool = false, keepProbabilities: Bool = false, outputSize: Int? = nil) throws -> Output {
        let view = try AugmentPipeline.named("none", inputHeight: set.height, inputWidth: set.width, outputSize: outputSize)
        let loader = try DataLoader(images: set, order: { _ in Array(0..<set.count) }, batchSize: batchSize, dropLast: false,
                                    views: [view],
                                    normalization: normalization, seed: 0, workers: workers)
        // An unlabelled pool (labels -1) has no loss to report.
        return try run(model, batches: try loader.epoch(0), labelled: set.labels.allSatisfy { $0 >= 0 },
                       logitOffsets: logitOffsets, logitScales: logitScales, keepFeatures: keepFeatures,
                       keepProbabilities: keepProbabilities)
    }

    /// Predictions for the images of `list`, decoded from their files through `view` (the
    /// reference's Resize(256) + CenterCrop(224), `imagenet-eval`), in list order; a file that cannot
    /// be decoded is reported and left out (its label too), or ends the run with `.fail`.
    public func run(_ model: ClassifierModel, on list: ImageList, view: AugmentPipeline, onFailure: DecodeFailurePolicy = .skip,
                    logitScales: Tensor? = nil) throws -> Output {
        let loader = try streamingLoader(list, view: view, onFailure: onFailure)
        let out = try run(model, batches: try loader.epoch(0), labelled: true, logitOffsets: nil, logitScales: logitScales,
                          keepFeatures: false, keepProbabilities: false)
        if let fatal = loader.failureLog.fatalFailure { throw fatal }
        return out
    }

    /// Images per decoded batch of a streamed evaluation, whatever `batchSize` says: the model's
    /// output does not depend on the batch in eval mode, and 224-px batches of 256 are 154 MB each.
    public static let streamedBatchLimit = 64

    /// The loader of a streamed evaluation: batches of at most `streamedBatchLimit` images, and
    /// `max(1, workers)` of them in flight ahead of the model, so its memory is at most
    /// (workers + 1) × 64 × 3 × H × W floats (2 workers at 224 px: 116 MB) whatever the list's length.
    public func streamingLoader(_ list: ImageList, view: AugmentPipeline, onFailure: DecodeFailurePolicy = .skip) throws
        -> StreamingDataLoader
    {
        try StreamingDataLoader(list: list, order: { _ in Array(0..<list.count) }, batchSize: min(batchSize, Self.streamedBatchLimit),
                                dropLast: false, views: [view], normalization: normalization, seed: 0, workers: workers,
                                prefetch: max(1, workers), onFailure: onFailure)
    }

    private func run(_ model: ClassifierModel, batches: DataLoaderEpoch, labelled: Bool, logitOffsets: [Double]?,
                     logitScales: Tensor?, keepFeatures: Bool, keepProbabilities: Bool) throws -> Output {
        model.eval()
        defer { model.train() }
        let offsets = try logitOffsets.map { try Tensor($0.map { Float($0) }).to(device: device) }
        let k = min(5, model.numClasses)
        var out = Output(topK: [], labels: [], loss: 0, features: [], confidences: [])
        var lossSum = 0.0
        try precision.autocast(device: device) { try withNoGrad {
            for batch in batches {
                let x = try batch.views[0].tensor(device: device)
                let y = try batch.labelTensor(device: device)
                let (lowPrecision, features) = try model.forwardWithFeatures(x)
                // Under autocast the logits may be bf16/fp16; rank and report them in fp32.
                let raw = try lowPrecision.to(.float32)
                let logits = try logitScales.map { try raw * $0 } ?? raw
                if labelled {
                    lossSum += try Functional.crossEntropy(logits, target: y, reduction: .sum).item()
                }
                let ranked = try offsets.map { try logits + $0 } ?? logits
                let top = try ranked.topk(k, dim: 1).indices.toArray(Int.self)
                let probabilities = try Functional.softmax(ranked, dim: 1)
                out.confidences += try probabilities.max(dims: [1]).toArray(Double.self)
                if keepProbabilities {
                    let p = try probabilities.toArray(Double.self), c = model.numClasses
                    for i in 0..<batch.count { out.probabilities.append(Array(p[(i * c)..<((i + 1) * c)])) }
                }
                for i in 0..<batch.count { out.topK.append(Array(top[(i * k)..<((i + 1) * k)])) }
                out.labels += batch.labels
                if keepFeatures {
                    let f = try features.to(.float32).toArray(Float.self), d = model.featureDim
                    for i in 0..<batch.count { out.features.append(Array(f[(i * d)..<((i + 1) * d)])) }
                }
            }
        } }
        out.loss = lossSum / Double(max(1, out.labels.count))
        return out
    }
}
