import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch
import TorchNN

/// `tailkit eval`: scores a checkpoint on its data set's test set.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a checkpoint on the test set: top-1/5, per-class, many/medium/few, confusion matrix.",
        discussion: """
        TailKit checkpoints carry their run's config, so --checkpoint alone is enough. For a reference (PyTorch) checkpoint, name the data set and split with the flags. Example: tailkit eval --checkpoint runs/fmnist_resnet32_ldam_drw_exp_0.01_0/best.ckpt
        """
    )

    @Option(help: "Checkpoint file (TailKit's .ckpt or a reference ckpt.pth.tar).") var checkpoint: String
    @Option(help: "Data set, when the checkpoint does not say.") var dataset: String?
    @Option(help: "Folder of the data set's files.") var dataDir: String?
    @Option(help: "Imbalance factor of the training split (decides many/medium/few), when the checkpoint does not say.") var imbFactor: Double?
    @Option(help: "Network, when the checkpoint does not say: \(Architecture.validNames).") var arch: String?
    @Option(help: "Loss the model was trained with (ldam uses a cosine classifier), when the checkpoint does not say.") var loss: String?
    @Option(help: "Post-hoc logit adjustment strength tau (0 = off): ranks by z - tau log(prior).") var tau = 0.0
    @Option(help: "Where to write the report as JSON (default: next to the checkpoint).") var json: String?
    @Option(help: "libtorch threads.") var threads: Int?
    @Option(help: "Precision of the forward passes: fp32 (default), bf16 (autocast), fp16 (autocast, CUDA only).") var precision = "fp32"
    @Option(help: "Device: cpu, cuda or cuda:N (default: the checkpoint's).") var device: String?

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            let ckpt = try Checkpoint.read(from: checkpoint)
            var config = try ckpt.trainConfig()
            if let dataset { config.dataset = dataset }
            if let dataDir { config.dataDir = dataDir }
            if let imbFactor { config.imbFactor = imbFactor }
            if let arch { config.arch = try Architecture(parsing: arch) }
            if let loss { config.loss = try LossKind(parsing: loss) }
            let data = try LoadedDataset.load(for: config, splitFile: Checkpoint.splitFile(besides: checkpoint))
            let counts = ckpt.classCounts.isEmpty
                ? try data.longTailed(imbFactor: config.imbFactor, imbType: config.imbType, seed: config.randNumber, holdOut: config.holdOut).counts
                : ckpt.classCounts
            let model = try ckpt.restoredModel(config: config, data: data, source: checkpoint)
            let offsets = tau > 0 ? logPriorOffsets(classCounts: counts, tau: tau).map { -$0 } : nil
            let device = try Device(parsing: self.device ?? config.device), lowPrecision = try Precision(parsing: precision)
            try device.checkAvailable()
            try lowPrecision.check(device: device)
            // A semi-supervised run normalises as DASO does and scores STL-10 at 32 px.
            let ssl = config.task == .ssl
            let normalization = ssl ? SSLData.normalization(of: data) : data.normalization
            let side = ssl && data.name == .stl10 ? SSLData.stl10Resolution : nil
            let output = try Evaluator(normalization: normalization, device: device, precision: lowPrecision)
                .run(model, on: data.test, logitOffsets: offsets, outputSize: side)
            let report = ClassificationReport(topK: output.topK, labels: output.labels, trainCounts: counts)
            print(report.table(classNames: data.train.classNames))
            let path = json ?? URL(fileURLWithPath: checkpoint).deletingPathExtension().path + ".eval.json"
            try AtomicFile.write([UInt8](try JSONEncoder().encode(report)), to: path)
            print("saved \(path)")
        }
    }
}
