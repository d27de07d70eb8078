import Foundation
import TorchNN

/// Starting a supervised model from pre-trained weights (`--pretrained_model` of imbalanced-semi-self's
/// `train.py` and `train_semi.py`, Yang & Xu, NeurIPS 2020): the file's classifier (`fc.*`, the
/// model's own classifier name, e.g. the rotation task's 4-way head) is dropped and the model's stays
/// freshly initialised; everything else must fit. The reference loads non-strictly and would silently
/// keep random weights for whatever does not match (with the `module.` keys of `pretrain_rot.py`'s
/// DataParallel checkpoints, nothing at all); here a file of another architecture, another input
/// channel count, or missing any backbone tensor is refused with the reason.
///
/// ```swift
/// let loaded = try PretrainedWeights.load(from: "rotation/best.ckpt", into: model, arch: .resnet32)
/// // loaded.loaded of loaded.total tensors copied
/// ```
public enum PretrainedWeights {
    public struct Loaded: Sendable, Equatable {
        /// Tensors copied into the model.
        public var loaded: Int
        /// Tensors in the model's state dict (the classifier's included).
        public var total: Int
        /// Keys of the file that the model does not have (ignored).
        public var ignoredKeys: [String]
    }

    /// Copies the backbone of the checkpoint at `path` into `model` (built as `arch`). Nothing is
    /// changed when it throws. `exactBackbone` also refuses backbone tensors the model lacks (a
    /// second stage must sit on exactly the first stage's backbone).
    @discardableResult
    public static func load(from path: String, into model: any ClassifierModel, arch: Architecture,
                            exactBackbone: Bool = false) throws -> Loaded {
        try load(InitialWeights.read(from: path), into: model, arch: arch, exactBackbone: exactBackbone)
    }

    /// The same for weights already read (`file.source` names them in errors).
    @discardableResult
    public static func load(_ file: InitialWeights, into model: any ClassifierModel, arch: Architecture,
                            exactBackbone: Bool = false) throws -> Loaded {
        let path = file.source
        if !file.arch.isEmpty, file.arch != arch.rawValue {
            throw TailKitError.badFile(path: path, problem: "pre-trained as \(file.arch) but this run builds \(arch.rawValue): pass --arch \(file.arch) or pre-train a \(arch.rawValue)")
        }
        let isClassifier = { (key: String) in model.isClassifierKey(key) || key.hasPrefix("fc.") }
        let weights = file.weights.filter { !isClassifier($0.0) }
        let total = model.stateDict().count
        let mismatch: StateDictMismatch
        do {
            // Strict first: it changes nothing when it fails, so a refused file leaves the model as it was.
            try model.loadStateDict(weights, strict: true)
            return Loaded(loaded: total, total: total, ignoredKeys: [])
        } catch let m as StateDictMismatch {
            mismatch = m
        }
        let missingBackbone = mismatch.missingKeys.filter { !isClassifier($0) }
        let matched = total - mismatch.missingKeys.count - mismatch.shapeMismatches.count
        guard matched > 0 else {
            throw TailKitError.badFile(path: path, problem: "no weight matched the \(arch.rawValue) model (\(weights.count) non-classifier tensors in the file, e.g. \(weights.prefix(3).map(\.0).joined(separator: ", ")))")
        }
        guard missingBackbone.isEmpty, mismatch.shapeMismatches.isEmpty else {
            let missing = missingBackbone.isEmpty ? "" : " missing: \(summary(missingBackbone));"
            let shapes = mismatch.shapeMismatches.isEmpty ? "" : " different shapes: \(summary(mismatch.shapeMismatches));"
            throw TailKitError.badFile(path: path, problem: "does not fit the \(arch.rawValue) backbone (another architecture or input channel count?):\(missing)\(shapes) \(matched) of \(total) tensors matched")
        }
        if exactBackbone, !mismatch.unexpectedKeys.isEmpty {
            throw TailKitError.badFile(path: path, problem: "is not a first stage of this \(arch.rawValue): it has backbone tensors the model lacks: \(summary(mismatch.unexpectedKeys))")
        }
        try model.loadStateDict(weights, strict: false)
        return Loaded(loaded: matched, total: total, ignoredKeys: mismatch.unexpectedKeys)
    }

    private static func summary(_ keys: [String]) -> String {
        keys.count <= 4 ? keys.joined(separator: ", ") : keys.prefix(4).joined(separator: ", ") + " and \(keys.count - 4) more"
    }
}
