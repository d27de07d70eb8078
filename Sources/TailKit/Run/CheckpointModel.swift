import TorchNN

extension Checkpoint {
    /// The run configuration the checkpoint carries (defaults for a reference checkpoint), with the
    /// architecture the file names.
    public func trainConfig() throws -> TrainConfig {
        var config = configJSON.isEmpty ? TrainConfig() : try TrainConfig(json: configJSON)
        if !arch.isEmpty { config.arch = try Architecture(parsing: arch) }
        return config
    }

    /// The network of `config.arch` for `data`, with this checkpoint's weights; a file of another
    /// architecture or class count is an error listing the mismatched keys.
    public func restoredModel(config: TrainConfig, data: LoadedDataset, source: String) throws -> any ClassifierModel {
        // A reference checkpoint does not say its loss; its head does (train.py builds NormedLinear for LDAM).
        let normed = config.loss.wantsNormedClassifier || (configJSON.isEmpty && hasCosineClassifier)
        let model = try config.arch.make(numClasses: data.train.numClasses, inChannels: data.train.channels,
                                         normedClassifier: normed)
        do {
            try model.loadStateDict(stateDict, strict: true)
        } catch let mismatch as StateDictMismatch {
            throw TailKitError.badFile(path: source, problem: "does not fit a \(config.arch.rawValue) for \(config.dataset) (\(data.train.numClasses) classes, \(data.train.channels) channels): \(mismatch)")
        }
        return model
    }
}

extension LoadedDataset {
    /// The data set a run configuration names, prepared as that run saw it (image size, padding).
    public static func load(for config: TrainConfig) throws -> LoadedDataset {
        try load(try DatasetName(parsing: config.dataset), dataDir: config.dataDir, imageSize: config.imageSize,
                 padTo32: config.pad32)
    }
}
