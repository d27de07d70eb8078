import Pickle

/// What `gen_pseudolabels.py` writes: hard pseudo-labels for every pool image, in pool order.
public struct PseudoLabels: Sendable, Equatable {
    /// `extrapolated_targets`: argmax predictions, row-aligned with the pool.
    public var targets: [Int]
    /// `prediction_model`: the checkpoint path the predictions came from (nil if the file lacks it).
    public var predictionModel: String?
    /// `ground_truth` (SVHN only): the pool's true labels.
    public var groundTruth: [Int]?

    public init(targets: [Int], predictionModel: String?, groundTruth: [Int]? = nil) {
        self.targets = targets
        self.predictionModel = predictionModel
        self.groundTruth = groundTruth
    }
}

/// Reads and writes the pseudo-label pickle (`pseudo_labeled_cifar.pickle`, `pseudo_labeled_svhn.pickle`):
/// a dict with `extrapolated_targets` (int64 array), `prediction_model` (str) and, for SVHN,
/// `ground_truth` (int64 array).
public enum PseudoLabelFile {
    public static func read(path: String, numClasses: Int) throws -> PseudoLabels {
        try decode(try PickleFile.readBytes(path: path), name: path, numClasses: numClasses)
    }

    public static func decode(_ bytes: [UInt8], name: String, numClasses: Int) throws -> PseudoLabels {
        let root = try PickleFile.parse(bytes, name: name)
        let targets = try PickleFile.intList(try PickleFile.entry(root, "extrapolated_targets", name: name),
                                             "extrapolated_targets", name: name)
        try PickleFile.checkLabels(targets, count: numClasses, name: name)
        var model: String?
        if let value = try PickleFile.optionalEntry(root, "prediction_model", name: name) {
            guard let text = value.text else {
                throw DataError.badHeader(path: name, detail: "'prediction_model' is \(value.kindName), expected a string")
            }
            model = text
        }
        var truth: [Int]?
        if let value = try PickleFile.optionalEntry(root, "ground_truth", name: name) {
            let labels = try PickleFile.intList(value, "ground_truth", name: name)
            guard labels.count == targets.count else {
                throw DataError.countMismatch(path: name, images: targets.count, labels: labels.count)
            }
            try PickleFile.checkLabels(labels, count: numClasses, name: name)
            truth = labels
        }
        return PseudoLabels(targets: targets, predictionModel: model, groundTruth: truth)
    }

    public static func write(_ labels: PseudoLabels, to path: String) throws {
        try PickleFile.writeBytes(encode(labels), path: path)
    }

    public static func encode(_ labels: PseudoLabels) -> [UInt8] {
        var entries: [PickleValue.Pair] = [.init(.string("extrapolated_targets"), NumpyArray(int64: labels.targets).pickleValue())]
        if let model = labels.predictionModel { entries.append(.init(.string("prediction_model"), .string(model))) }
        if let truth = labels.groundTruth {
            entries.append(.init(.string("ground_truth"), NumpyArray(int64: truth).pickleValue()))
        }
        return PickleWriter.write(.dict(entries), bytesStyle: .python3Bytes)
    }
}
