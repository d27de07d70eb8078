import Foundation
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
        try restoredModel(config: config, classes: data.train.numClasses, channels: data.train.channels, source: source)
    }

    /// The same for a model of `classes` outputs on `channels`-channel images (what `modelInput` records).
    public func restoredModel(config: TrainConfig, classes: Int, channels: Int, source: String) throws -> any ClassifierModel {
        // A reference checkpoint does not say its loss; its head does (train.py builds NormedLinear for LDAM).
        let normed = config.loss.wantsNormedClassifier || (configJSON.isEmpty && hasCosineClassifier)
        let model = try config.arch.make(numClasses: classes, inChannels: channels, normedClassifier: normed)
        do {
            try model.loadStateDict(stateDict, strict: true)
        } catch let mismatch as StateDictMismatch {
            throw TailKitError.badFile(path: source, problem: "does not fit a \(config.arch.rawValue) for \(config.dataset) (\(classes) classes, \(channels) channels): \(mismatch)")
        }
        return model
    }

    /// The saved split beside this checkpoint (`split.json` of its run folder), if any.
    public static func splitFile(besides checkpointPath: String) -> String? {
        let file = URL(fileURLWithPath: checkpointPath).deletingLastPathComponent().appendingPathComponent(OwnDataSplit.fileName).path
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }
}

extension LoadedDataset {
    /// The data set a run configuration names, prepared as that run saw it (image size, padding;
    /// for a user's data set the split saved in `splitFile` when that exists).
    public static func load(for config: TrainConfig, splitFile: String? = nil) throws -> LoadedDataset {
        try load(try DatasetName(parsing: config.dataset), dataDir: config.dataDir, imageSize: config.imageSize,
                 padTo32: config.pad32, own: config.ownDataOptions(splitFile: splitFile))
    }
}

extension TrainConfig {
    /// How this run reads a user's data set.
    public func ownDataOptions(splitFile: String? = nil) -> OwnDataOptions {
        OwnDataOptions(imageSize: imageSize, testFraction: testFraction, seed: randNumber, skipBadImages: skipBadImages,
                       splitFile: splitFile)
    }
}
