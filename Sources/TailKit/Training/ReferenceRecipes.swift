import Yams

/// Defaults that depend on what a run is, taken from the reference's own recipes. They fill every
/// setting the user left unset (neither a flag nor a key of the `--config` file):
///
/// - a second stage (`crt`, `lws`) follows `imagenet_inat/config/*/cls_crt.yaml`, as imbalanced-semi-self's
///   `imagenet_inat/main.py` runs it (Yang & Xu, NeurIPS 2020; Kang et al., "Decoupling Representation
///   and Classifier", ICLR 2020): lr 0.2, batch 512, weight decay
///   5e-4 and 10 epochs (iNaturalist: 1e-4 and 30 epochs), cosine to zero, class-aware sampling
///   (`sampler: auto`) with int(len(train) / batch) steps per epoch;
/// - self-training with pseudo-labeled data (`--unlabeled`) uses `train_semi.py`'s batch of 256.
///
/// ```swift
/// var config = TrainConfig()
/// config.stage = "crt"
/// config.applyReferenceRecipe(explicitKeys: ["epochs"])   // lr 0.2, batch 512, ...; epochs kept
/// ```
extension TrainConfig {
    public mutating func applyReferenceRecipe(explicitKeys: Set<String>) {
        func fill<T>(_ key: CodingKeys, _ field: WritableKeyPath<TrainConfig, T>, _ value: T) {
            if !explicitKeys.contains(key.rawValue) { self[keyPath: field] = value }
        }
        if stage != TrainingStage.joint.rawValue {
            let inat = dataset.lowercased() == "inat2018"
            fill(.epochs, \.epochs, inat ? 30 : 10)
            fill(.lr, \.lr, 0.2)
            fill(.batchSize, \.batchSize, 512)
            fill(.wd, \.wd, inat ? 1e-4 : 5e-4)
            fill(.schedule, \.schedule, .cosineToZero)
        } else if unlabeled != nil {
            fill(.batchSize, \.batchSize, 256)
        }
    }

    /// The flag names (= config keys) a YAML config file sets.
    public static func keys(inYAMLFile path: String) throws -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TailKitError.badFile(path: path, problem: "cannot read the config file")
        }
        guard let mapping = try? Yams.load(yaml: text) as? [String: Any] else { return [] }
        return Set(mapping.keys)
    }
}
