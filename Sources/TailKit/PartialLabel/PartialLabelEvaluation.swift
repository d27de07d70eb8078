import TailData
import Torch
import TorchNN

/// The evaluation every partial-label run reports: the classification report on the test set
/// (top-1/top-5, per class, many/medium/few by the training counts, confusion), SoLar's shot groups
/// (`solar_many`/`solar_medium`/`solar_few`: the top and bottom ⌊C/3⌋ classes by count, as
/// RECORDS-LTPLL `utils_solar/general.py` `AccurracyShot` with 3/3 for CIFAR-10 and 33/33 for
/// CIFAR-100), and how far the training set's candidate sets are disambiguated
/// (`disambiguation`: % of samples whose true label alone holds the largest confidence; `plausible_set_size`;
/// `candidate_set_size`, the original mean; `mmc`, the mean max confidence).
///
/// ```swift
/// let metrics = try PartialLabelEvaluation(normalization: norm, batchSize: 1024, device: .cpu, workers: 2)
///     .metrics(model: model, test: test, trainCounts: counts, table: table, trainLabels: labels, candidates: sets)
/// ```
struct PartialLabelEvaluation {
    var normalization: ImageNormalization
    var batchSize: Int
    var device: Device
    var workers: Int

    func metrics(model: any ClassifierModel, test: ImageSet, trainCounts: [Int], logitOffsets: [Double]? = nil,
                 table: ConfidenceTable, trainLabels: [Int], candidates: CandidateLabels) throws -> Metrics {
        let evaluator = Evaluator(normalization: normalization, batchSize: batchSize, device: device, workers: workers)
        let output = try evaluator.run(model, on: test, logitOffsets: logitOffsets)
        let report = ClassificationReport(topK: output.topK, labels: output.labels, trainCounts: trainCounts)
        var metrics = report.metrics(loss: output.loss)
        let third = trainCounts.count / 3
        if third >= 1 {
            let groups = try ShotGroups.topBottom(trainCounts, many: third, few: third).groupMeans(report.perClass)
            metrics.scalars["solar_many"] = groups[.many]
            metrics.scalars["solar_medium"] = groups[.medium]
            metrics.scalars["solar_few"] = groups[.few]
        }
        metrics.scalars["disambiguation"] = table.disambiguationAccuracy(labels: trainLabels)
        metrics.scalars["plausible_set_size"] = table.plausibleSetSize()
        metrics.scalars["candidate_set_size"] = candidates.averageSetSize()
        metrics.scalars["mmc"] = table.meanMaxConfidence()
        return metrics
    }
}
