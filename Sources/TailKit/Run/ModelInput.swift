import TailData
import TorchFile

/// What a trained classifier expects of an image, saved in its checkpoint so that `tailkit
/// predict` prepares new images exactly as training did: the class names (logit i is
/// `classNames[i]`), the normalisation (x/255 − mean) / std per channel, the input size, and
/// whether images of another size are resized to it (data sets of mixed sizes: list and own data
/// sets) or refused (fixed-size benchmarks, where a different size means a different kind of image).
///
/// ```swift
/// let input = ModelInput(data: data)         // from the data set a run trained on
/// checkpoint.modelInput = input              // written as class_names, normalization, input_size, resize_images
/// ```
public struct ModelInput: Equatable, Sendable {
    public var classNames: [String]
    public var normalization: ImageNormalization
    public var height: Int
    public var width: Int
    public var channels: Int
    public var resizes: Bool

    public init(classNames: [String], normalization: ImageNormalization, height: Int, width: Int, channels: Int, resizes: Bool) {
        self.classNames = classNames
        self.normalization = normalization
        self.height = height
        self.width = width
        self.channels = channels
        self.resizes = resizes
    }

    /// What a model trained on `data` takes.
    public init(data: LoadedDataset) {
        self.init(set: data.train, normalization: data.normalization, resizes: data.name.resizesImages)
    }

    public init(set: ImageSet, normalization: ImageNormalization, resizes: Bool) {
        self.init(classNames: set.classNames, normalization: normalization, height: set.height, width: set.width,
                  channels: set.channels, resizes: resizes)
    }

    /// The checkpoint entries (Python sees plain lists, a dict and a bool).
    var entries: [TorchValue.Entry] {
        [
            .init(.string("class_names"), .list(classNames.map { .string($0) })),
            .init(.string("normalization"), .dict([.init(.string("mean"), .list(normalization.mean.map { .float($0) })),
                                                   .init(.string("std"), .list(normalization.std.map { .float($0) }))], ordered: false)),
            .init(.string("input_size"), .list([channels, height, width].map { .int($0) })),
            .init(.string("resize_images"), .bool(resizes)),
        ]
    }

    /// Reads the entries back; nil when the checkpoint predates them (or is a reference one).
    static func read(_ root: TorchValue, path: String) throws -> ModelInput? {
        guard case .list(let names)? = root["class_names"] else { return nil }
        func numbers(_ value: TorchValue?) -> [Double]? {
            guard case .list(let items)? = value else { return nil }
            let out = items.compactMap { item -> Double? in
                switch item {
                case .float(let d): return d
                case .int(let i): return Double(i)
                default: return nil
                }
            }
            return out.count == items.count ? out : nil
        }
        let classNames = names.compactMap { item -> String? in if case .string(let s) = item { return s } else { return nil } }
        let norm = root["normalization"]
        guard classNames.count == names.count, let mean = numbers(norm?["mean"]), let std = numbers(norm?["std"]),
              let size = numbers(root["input_size"]).map({ $0.map { Int($0) } }), size.count == 3 else {
            throw TailKitError.badFile(path: path, problem: "class_names, normalization or input_size is malformed")
        }
        var resizes = false
        if case .bool(let b)? = root["resize_images"] { resizes = b }
        return ModelInput(classNames: classNames, normalization: try ImageNormalization(mean: mean, std: std),
                          height: size[1], width: size[2], channels: size[0], resizes: resizes)
    }
}
