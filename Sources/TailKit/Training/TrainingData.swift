import Foundation
import TailData

/// The images a run trains and tests on, as its config says: the long-tailed labeled set, or for
/// self-training that set joined with the pseudo-labeled pool.
public struct TrainingData {
    public var dataset: LoadedDataset
    public var train: ImageSet
    /// The labeled set's per-class counts (shot groups are taken from these).
    public var labeledCounts: [Int]
    public var selfTraining: SelfTrainingSet?

    /// - Parameter splitFile: a user's data set: the saved split to use when it exists.
    public static func prepare(_ config: TrainConfig, splitFile: String? = nil) throws -> TrainingData {
        let data = try LoadedDataset.load(for: config, splitFile: splitFile)
        guard let unlabeled = config.unlabeled else {
            let lt = try data.longTailed(imbFactor: config.imbFactor, imbType: config.imbType, seed: config.randNumber, holdOut: config.holdOut)
            return TrainingData(dataset: data, train: lt.set, labeledCounts: lt.counts, selfTraining: nil)
        }
        guard let labelsPath = config.pseudoLabels else {
            throw TailKitError.invalidOption("--unlabeled needs --pseudo-labels FILE (make it with `tailkit pseudo-label`)")
        }
        let labels = try PseudoLabelFile.read(path: labelsPath, numClasses: data.train.numClasses)
        let semi = try SelfTrainingSet.build(data: data, imbFactor: config.imbFactor, imbType: config.imbType, seed: config.randNumber,
                                             holdOut: config.holdOut,
                                             source: UnlabeledSource(parsing: unlabeled), pseudoLabels: labels,
                                             pseudoLabelPath: labelsPath, unlabeledImbFactor: config.imbFactorUnlabel,
                                             sizeFactor: config.unlabeledRatio)
        return TrainingData(dataset: data, train: semi.train, labeledCounts: semi.labeledCounts, selfTraining: semi)
    }
}
