import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch

/// `tailkit pseudo-label`: the reference's gen_pseudolabels.py, plus a streaming mode for pipes.
struct PseudoLabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudo-label",
        abstract: "Label an unlabeled pool with a trained base classifier, for self-training.",
        discussion: """
        Writes the reference's pseudo-label pickle (extrapolated_targets, prediction_model, and ground_truth when the pool's true labels are known), which `tailkit train --unlabeled POOL --pseudo-labels FILE` and the reference's train_semi.py read, plus FILE.jsonl with one {"index", "label", "confidence"} line per image.

        Pools: remainder (the data set's training images; the labeled long-tailed set is excluded at training time), svhn-extra (with --dataset svhn --data-dir), or a pool pickle in the reference's ti_80M_selected format.

        With --stdin it reads records "ID<TAB>BASE64" (the image's H*W*C uint8 bytes, HWC order, the data set's size) from standard input and writes "ID<TAB>LABEL<TAB>CONFIDENCE" lines, so a distributed engine can pipe partitions through it.

        Example: tailkit pseudo-label --checkpoint runs/RUN/best.ckpt --pool remainder --out pl.pickle
        """
    )

    @Option(help: "Base classifier checkpoint (its config names the data set).") var checkpoint: String
    @Option(help: "remainder, svhn-extra, or a pool pickle file.") var pool: String?
    @Option(help: "Pseudo-label pickle to write (refuses to overwrite, as the reference does).") var out: String?
    @Flag(help: "Stream records from standard input instead of reading a pool.") var stdin = false
    @Option(help: "Data set, when the checkpoint does not say.") var dataset: String?
    @Option(help: "Folder of the data set's files.") var dataDir: String?
    @Option(help: "Images per forward pass.") var batchSize = 200
    @Option(help: "libtorch threads.") var threads: Int?
    @Option(help: "Precision of the forward passes: fp32 (default), bf16 (autocast), fp16 (autocast, CUDA only).") var precision = "fp32"

    func validate() throws {
        if stdin == (pool != nil) { throw ValidationError("give either --pool (with --out) or --stdin") }
        if pool != nil && out == nil { throw ValidationError("--pool needs --out FILE") }
    }

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            let ckpt = try Checkpoint.read(from: checkpoint)
            var config = try ckpt.trainConfig()
            if let dataset { config.dataset = dataset }
            if let dataDir { config.dataDir = dataDir }
            let data = try LoadedDataset.load(for: config)
            var labeler = PseudoLabeler(model: try ckpt.restoredModel(config: config, data: data, source: checkpoint),
                                        normalization: data.normalization)
            labeler.batchSize = batchSize
            labeler.precision = try Precision(parsing: precision)
            try labeler.precision.check(device: labeler.device)
            if stdin {
                try StreamLabeler(labeler: labeler, like: data.train).run()
            } else if let pool, let out {
                try labelPool(UnlabeledSource(parsing: pool), data: data, labeler: labeler, out: out)
            }
        }
    }

    private func labelPool(_ source: UnlabeledSource, data: LoadedDataset, labeler: PseudoLabeler, out: String) throws {
        guard !FileManager.default.fileExists(atPath: out) else {
            throw TailKitError.unwritableOutput(path: out, problem: "the file exists; remove it or choose another --out")
        }
        let (images, truthKnown) = try source.load(data)
        FileHandle.standardError.write(Data("pseudo-labeling \(images.count) images of \(source.description)\n".utf8))
        let result = try labeler.label(images)
        let labels = PseudoLabels(targets: result.labels, predictionModel: checkpoint, groundTruth: truthKnown ? images.labels : nil)
        try PseudoLabelFile.write(labels, to: out)
        var jsonl = ""
        for i in result.labels.indices {
            jsonl += String(format: "{\"index\":%d,\"label\":%d,\"confidence\":%.6f}\n", i, result.labels[i], result.confidences[i])
        }
        try AtomicFile.write(jsonl, to: out + ".jsonl")
        if truthKnown {
            let q = PseudoLabelQuality(predicted: result.labels, truth: images.labels, classes: data.train.numClasses)
            print(String(format: "pseudo-label accuracy on the whole pool: %.2f%%", q.accuracy))
        }
        print("wrote \(out) and \(out).jsonl")
    }
}
