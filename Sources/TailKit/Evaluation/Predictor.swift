import Foundation
import TailData
import Torch
import TorchNN

/// Applies a trained classifier to image files: each file decoded (JPEG or PNG), brought to the
/// model's input as its checkpoint records it (`ModelInput`: size, channels, normalisation), and
/// run in batches in eval mode. Probabilities are softmax(z + o) of the logits z, with o = −τ log π
/// for post-hoc logit adjustment (Menon et al., ICLR 2021; π = the training class frequencies),
/// else o = 0; the top k classes are kept, most probable first.
///
/// An image the model cannot take is an error naming the file: a colour image for a grayscale
/// model, or (for a model of one fixed input size, unless `resizeAnySize`) another size. Images
/// of a model trained with resizing (list and own data sets) are resized as training did.
///
/// ```swift
/// let predictor = Predictor(model: model, input: checkpoint.modelInput!)
/// try predictor.predict(["a.jpg", "b.png"], topK: 3) { batch in for p in batch { print(p.path, p.classes) } }
/// ```
public struct Predictor {
    public var model: any ClassifierModel
    public var input: ModelInput
    /// Added to the logits before the softmax (−τ log π), or nil.
    public var logitOffsets: [Double]?
    public var batchSize = 64
    public var device: Device = .cpu
    /// Resize images of another size even for a fixed-size model (`--resize`).
    public var resizeAnySize = false

    public init(model: any ClassifierModel, input: ModelInput, logitOffsets: [Double]? = nil) {
        self.model = model
        self.input = input
        self.logitOffsets = logitOffsets
    }

    public struct Prediction: Equatable, Sendable {
        public var path: String
        /// Class indices, most probable first.
        public var classes: [Int]
        public var probabilities: [Double]
    }

    /// Predicts `paths` in batches of `batchSize`, handing each batch's predictions to `emit` in
    /// order. With `skipUnreadable` an image that cannot be read, decoded or fitted to the model is
    /// left out and returned with its error; otherwise the first such image throws.
    @discardableResult
    public func predict(_ paths: [String], topK: Int, skipUnreadable: Bool = false,
                        emit: ([Prediction]) throws -> Void) throws -> [(path: String, error: Error)] {
        guard topK >= 1 else { throw TailKitError.invalidOption("--top-k \(topK) must be at least 1") }
        let k = min(topK, input.classNames.count)
        let evaluator = Evaluator(normalization: input.normalization, batchSize: batchSize, device: device)
        var skipped: [(path: String, error: Error)] = []
        var start = 0
        while start < paths.count {
            let chunk = paths[start..<min(start + batchSize, paths.count)]
            start += chunk.count
            var pixels: [UInt8] = [], kept: [String] = []
            for path in chunk {
                do {
                    pixels += try prepare(path)
                    kept.append(path)
                } catch let error where skipUnreadable && (error is DataError) {
                    skipped.append((path, error))
                }
            }
            if kept.isEmpty { continue }
            let set = ImageSet(images: pixels, labels: [Int](repeating: -1, count: kept.count), height: input.height,
                               width: input.width, channels: input.channels, classNames: input.classNames)
            let out = try evaluator.run(model, on: set, logitOffsets: logitOffsets, keepProbabilities: true)
            try emit(zip(kept, out.probabilities).map { path, p in
                let ranked = p.indices.sorted { (p[$0], -$0) > (p[$1], -$1) }.prefix(k)
                return Prediction(path: path, classes: Array(ranked), probabilities: ranked.map { p[$0] })
            })
        }
        return skipped
    }

    /// The HWC bytes the model takes for the image at `path`.
    public func prepare(_ path: String) throws -> [UInt8] {
        var image = try DecodedImage.decodeFile(path)
        if input.channels == 1 {
            guard isGray(image.pixels) else {
                throw DataError.badDataset(path: path, detail: "is a colour image; this model was trained on grayscale (1-channel) images")
            }
            image = DecodedImage(width: image.width, height: image.height, channels: 1,
                                 pixels: stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] })
        } else if input.channels != 3 {
            throw TailKitError.invalidOption("this model takes \(input.channels)-channel images; only 1 (gray) and 3 (RGB) can be read from files")
        }
        if image.width != input.width || image.height != input.height {
            guard input.resizes || resizeAnySize else {
                throw DataError.badDataset(path: path, detail: "is \(image.width)x\(image.height) pixels; this model takes \(input.width)x\(input.height) images (it was trained on one fixed size without resizing; pass --resize to scale images anyway)")
            }
            image = try image.resized(width: input.width, height: input.height)
        }
        return image.pixels
    }

    /// Whether RGB bytes have R = G = B everywhere (a grayscale image expanded to RGB).
    private func isGray(_ rgb: [UInt8]) -> Bool {
        var i = 0
        while i + 2 < rgb.count {
            if rgb[i] != rgb[i + 1] || rgb[i] != rgb[i + 2] { return false }
            i += 3
        }
        return true
    }
}
