import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch

/// `tailkit predict`: a trained classifier applied to image files, top-k classes with probabilities.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify image files with a trained checkpoint: top-k classes with probabilities, as CSV or JSON Lines.",
        discussion: """
        Inputs: image files (JPEG or PNG), folders (every JPEG/PNG below them, sorted; other files are ignored with a note), or list files (one path per line, or a CSV with a `path` column; relative paths are relative to the list file).
        The checkpoint records the class names, the normalisation and the input size it was trained with, and each image is prepared the same way: decoded, resized when the model was trained on resized images (folder, csv, imagenet-lt, inat2018), normalised. A model of one fixed size (cifar10, fmnist, ...) refuses images of another size unless --resize; a grayscale model refuses colour images. Older checkpoints without these records take them from their data set (as `tailkit eval` does).
        --tau T ranks by softmax(z - T log prior), the post-hoc logit adjustment (Menon et al. 2021) with the training class frequencies, the cheap fix for a head-biased model (T = 1 is the usual choice).
        CSV columns: path, then class_1, probability_1, ..., class_k, probability_k. JSON Lines: {"path": ..., "top": [{"class": ..., "index": ..., "probability": ...}, ...]}.
        Example: tailkit predict --checkpoint runs/RUN/best.ckpt --tau 1 photos/new/ > predictions.csv
        """
    )

    @Option(help: "Checkpoint of a trained classifier (best.ckpt or last.ckpt of a run).") var checkpoint: String
    @Argument(help: "Image files, folders of images, or list files of image paths.") var inputs: [String]
    @Option(help: "Classes per image, most probable first (at most the class count).") var topK = 5
    @Option(help: "Output format: csv or jsonl.") var format = "csv"
    @Option(help: "Write to this file (written whole at the end, nothing on error) instead of standard output.") var out: String?
    @Option(help: "Post-hoc logit adjustment strength tau (0 = off): softmax(z - tau log prior).") var tau = 0.0
    @Option(help: "Images per forward pass.") var batchSize = 64
    @Flag(help: "Leave out images that cannot be read or do not fit the model (with a note) instead of stopping.") var skipBadImages = false
    @Flag(help: "Resize images of another size even for a model trained on one fixed size.") var resize = false
    @Option(help: "Data set, for a checkpoint that records neither class names nor input size.") var dataset: String?
    @Option(help: "Folder of that data set's files.") var dataDir: String?
    @Option(help: "Device: cpu, cuda or cuda:N.") var device = "cpu"
    @Option(help: "libtorch threads.") var threads: Int?

    func validate() throws {
        guard format == "csv" || format == "jsonl" else { throw ValidationError("--format is csv or jsonl, not \(format)") }
        guard topK >= 1, batchSize >= 1 else { throw ValidationError("--top-k and --batch-size must be at least 1") }
        guard tau >= 0, tau.isFinite else { throw ValidationError("--tau \(tau) must be a non-negative number") }
    }

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            let ckpt = try Checkpoint.read(from: checkpoint)
            var config = try ckpt.trainConfig()
            if let dataset { config.dataset = dataset }
            if let dataDir { config.dataDir = dataDir }
            let input = try ckpt.modelInput ?? ModelInput(data: LoadedDataset.load(for: config, splitFile: Checkpoint.splitFile(besides: checkpoint)))
            let model = try ckpt.restoredModel(config: config, classes: input.classNames.count, channels: input.channels, source: checkpoint)
            var predictor = Predictor(model: model, input: input, logitOffsets: try offsets(ckpt))
            predictor.batchSize = batchSize
            predictor.device = try Device(parsing: device)
            try predictor.device.checkAvailable()
            predictor.resizeAnySize = resize
            let paths = try PredictInputs.resolve(inputs)
            try predictAll(paths, with: predictor)
        }
    }

    /// −τ log π from the checkpoint's training counts, or nil for τ = 0.
    private func offsets(_ ckpt: Checkpoint) throws -> [Double]? {
        guard tau > 0 else { return nil }
        guard !ckpt.classCounts.isEmpty, ckpt.classCounts.allSatisfy({ $0 > 0 }) else {
            throw TailKitError.badFile(path: checkpoint, problem: "records no training class counts, which --tau needs (the prior)")
        }
        return logPriorOffsets(classCounts: ckpt.classCounts, tau: tau).map { -$0 }
    }

    private func predictAll(_ paths: [String], with predictor: Predictor) throws {
        let names = predictor.input.classNames
        let k = min(topK, names.count)
        var text = format == "csv" ? csvHeader(k) : ""
        let flush = { (chunk: String) in
            if out == nil { FileHandle.standardOutput.write(Data(chunk.utf8)) } else { text += chunk }
        }
        if out == nil { flush(text); text = "" }
        let skipped = try predictor.predict(paths, topK: k, skipUnreadable: skipBadImages) { batch in
            flush(batch.map { format == "csv" ? csvLine($0, names) : jsonLine($0, names) }.joined())
        }
        for (path, error) in skipped { FileHandle.standardError.write(Data("skipped \(path): \(error)\n".utf8)) }
        if let out { try AtomicFile.write(text, to: out) }
        let into = out.map { " into \($0)" } ?? ""
        FileHandle.standardError.write(Data("predicted \(paths.count - skipped.count) images\(into)\(skipped.isEmpty ? "" : ", skipped \(skipped.count)")\n".utf8))
    }

    private func csvHeader(_ k: Int) -> String {
        (["path"] + (1...k).flatMap { ["class_\($0)", "probability_\($0)"] }).joined(separator: ",") + "\n"
    }

    private func csvLine(_ p: Predictor.Prediction, _ names: [String]) -> String {
        ([csvField(p.path)] + zip(p.classes, p.probabilities).flatMap { [csvField(names[$0]), String(format: "%.6g", $1)] })
            .joined(separator: ",") + "\n"
    }

    private func jsonLine(_ p: Predictor.Prediction, _ names: [String]) -> String {
        let top = zip(p.classes, p.probabilities).map { c, prob in
            "{\"class\":\(jsonString(names[c])),\"index\":\(c),\"probability\":\(String(format: "%.6g", prob))}"
        }
        return "{\"path\":\(jsonString(p.path)),\"top\":[\(top.joined(separator: ","))]}\n"
    }
}

/// The image paths `tailkit predict` reads: files as given, folders scanned, list files read.
enum PredictInputs {
    static func resolve(_ inputs: [String]) throws -> [String] {
        var paths: [String] = []
        for input in inputs {
            if DatasetFileIO.isDirectory(input) {
                let (images, ignored) = try ImageFolder.imageFiles(under: input)
                if images.isEmpty { throw DataError.badDataset(path: input, detail: "holds no JPEG or PNG images") }
                if !ignored.isEmpty { FileHandle.standardError.write(Data("\(input): ignored \(ignored.count) files that are not JPEG or PNG images\n".utf8)) }
                paths += images.map { DatasetFileIO.join(input, $0) }
            } else if ImageFolder.isImagePath(input) {
                paths.append(input)
            } else if DatasetFileIO.exists(input) {
                paths += try listFile(input)
            } else {
                throw DataError.missingFile(path: input)
            }
        }
        guard !paths.isEmpty else { throw ValidationError("no images to predict") }
        return paths
    }

    /// One path per line, or a CSV whose header has a `path` column; relative to the list's folder.
    private static func listFile(_ path: String) throws -> [String] {
        let bytes = try DatasetFileIO.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError.badDataset(path: path, detail: "is neither an image (.jpg, .jpeg, .png) nor a text list of image paths")
        }
        var lines = text.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let header = lines.first?.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }),
           let column = header.firstIndex(of: "path") {
            let rows = try CSVImageList.rows(path)
            lines = rows.dropFirst().compactMap { column < $0.count ? $0[column] : nil }
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return lines.map { $0.hasPrefix("/") ? $0 : DatasetFileIO.join(folder, $0) }
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
}

/// A CSV field, quoted when it holds a comma, quote or line break.
func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}
