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

        Pools: remainder (the data set's training images; the labeled long-tailed set is excluded at training time), svhn-extra (with --dataset svhn --data-dir), a pool pickle in the reference's ti_80M_selected format, or a folder of unlabeled JPEG/PNG images (any depth, sorted by path, resized as the model's training images; the JSON lines then name each image's path).

        Example with your own data: tailkit pseudo-label --checkpoint runs/RUN/best.ckpt --pool unlabeled/ --out pl.pickle, then tailkit train --dataset folder --data-dir photos --unlabeled unlabeled/ --pseudo-labels pl.pickle

        With --stdin it reads records "ID<TAB>BASE64" (the image's H*W*C uint8 bytes, HWC order, the data set's size) from standard input and writes "ID<TAB>LABEL<TAB>CONFIDENCE" lines (confidence with six decimals), so a distributed engine can pipe partitions through it. A malformed record gives "ID<TAB>ERROR<TAB>PROBLEM" and the stream goes on.

        The rho_U-controlled unlabeled set by confidence: --stdin --select-out SET.pickle --unlabeled-total U --imb-factor-unlabel F keeps, per class c, the u_c records predicted c with the highest confidence (u_c: the D_U shape with imbalance 1/F over U images, class 0 the head) and writes them in the reference's pool format (data, extrapolated_targets), for `train --unlabeled SET.pickle`. --plan prints the quotas and image shape as JSON, for scripts/spark_pseudo_label.py, which does the same on Spark.

        Example: tailkit pseudo-label --checkpoint runs/RUN/best.ckpt --pool remainder --out pl.pickle
        """
    )

    @Option(help: "Base classifier checkpoint (its config names the data set).") var checkpoint: String
    @Option(help: "remainder, svhn-extra, a pool pickle file, or a folder of unlabeled images.") var pool: String?
    @Option(help: "Pseudo-label pickle to write (refuses to overwrite, as the reference does).") var out: String?
    @Flag(help: "Stream records from standard input instead of reading a pool.") var stdin = false
    @Option(help: "Data set, when the checkpoint does not say.") var dataset: String?
    @Option(help: "Folder of the data set's files.") var dataDir: String?
    @Option(help: "Images per forward pass.") var batchSize = 200
    @Option(help: "libtorch threads.") var threads: Int?
    @Option(help: "Precision of the forward passes: fp32 (default), bf16 (autocast), fp16 (autocast, CUDA only).") var precision = "fp32"
    @Option(help: "With --stdin: write the per-class top-confidence unlabeled set to this pool pickle instead of per-record lines.") var selectOut: String?
    @Option(help: "Size U of the selected unlabeled set (with --select-out or --plan).") var unlabeledTotal: Int?
    @Option(help: "Imbalance factor 1/rho_U of the selected set (default 0.01).") var imbFactorUnlabel = 0.01
    @Option(help: "Device: cpu (default), cuda or cuda:N.") var device = "cpu"
    @Flag(help: "Print the selection's quotas and the model's image shape as JSON and exit (for the Spark job).") var plan = false

    func validate() throws {
        if plan {
            guard unlabeledTotal != nil, pool == nil, !stdin else { throw ValidationError("--plan takes --checkpoint, --unlabeled-total and --imb-factor-unlabel only") }
            return
        }
        if stdin == (pool != nil) { throw ValidationError("give either --pool (with --out) or --stdin") }
        if pool != nil && out == nil { throw ValidationError("--pool needs --out FILE") }
        if selectOut != nil && (!stdin || unlabeledTotal == nil) { throw ValidationError("--select-out needs --stdin and --unlabeled-total") }
    }

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            let ckpt = try Checkpoint.read(from: checkpoint)
            var config = try ckpt.trainConfig()
            if let dataset { config.dataset = dataset }
            if let dataDir { config.dataDir = dataDir }
            let data = try LoadedDataset.load(for: config, splitFile: Checkpoint.splitFile(besides: checkpoint))
            var labeler = PseudoLabeler(model: try ckpt.restoredModel(config: config, data: data, source: checkpoint),
                                        normalization: data.normalization)
            labeler.batchSize = batchSize
            labeler.device = try Device(parsing: device)
            try labeler.device.checkAvailable()
            labeler.precision = try Precision(parsing: precision)
            try labeler.precision.check(device: labeler.device)
            let quotas = try unlabeledTotal.map {
                try TopConfidenceSelection.quotas(total: $0, classes: data.train.numClasses, unlabeledImbFactor: imbFactorUnlabel)
            }
            if plan, let quotas {
                let like = data.train
                print("{\"classes\":\(like.numClasses),\"height\":\(like.height),\"width\":\(like.width),\"channels\":\(like.channels),\"quotas\":\(quotas)}")
            } else if stdin {
                if let selectOut, FileManager.default.fileExists(atPath: selectOut) {
                    throw TailKitError.unwritableOutput(path: selectOut, problem: "the file exists; remove it or choose another --select-out")
                }
                try StreamLabeler(labeler: labeler, like: data.train)
                    .run(selecting: selectOut.flatMap { out in quotas.map { StreamLabeler.Selection(quotas: $0, out: out) } })
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
        let paths = try source.folderImagePaths()
        FileHandle.standardError.write(Data("pseudo-labeling \(images.count) images of \(source.description)\n".utf8))
        let result = try labeler.label(images)
        let labels = PseudoLabels(targets: result.labels, predictionModel: checkpoint, groundTruth: truthKnown ? images.labels : nil)
        try PseudoLabelFile.write(labels, to: out)
        var jsonl = ""
        for i in result.labels.indices {
            // A folder pool's lines also name the image and its class.
            let named = paths.map { ",\"path\":\(jsonString($0[i])),\"class\":\(jsonString(data.train.classNames[result.labels[i]]))" } ?? ""
            jsonl += String(format: "{\"index\":%d,\"label\":%d,\"confidence\":%.6f", i, result.labels[i], result.confidences[i]) + named + "}\n"
        }
        try AtomicFile.write(jsonl, to: out + ".jsonl")
        if truthKnown {
            let q = PseudoLabelQuality(predicted: result.labels, truth: images.labels, classes: data.train.numClasses)
            print(String(format: "pseudo-label accuracy on the whole pool: %.2f%%", q.accuracy))
        }
        print("wrote \(out) and \(out).jsonl")
    }
}
