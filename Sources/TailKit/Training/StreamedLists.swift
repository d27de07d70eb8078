import TailData

/// ImageNet-LT or iNaturalist 2018 as the reference trains on them (spec §1.4-1.6, §4.7): the
/// published lists read up front, images streamed from their files at `crop-size` (224) by
/// `StreamingDataLoader`; training with RandomResizedCrop + flip (+ ColorJitter for ImageNet-LT),
/// the val list (Resize + CenterCrop) choosing the best epoch, the test list giving the final
/// number (iNaturalist's val list is both, as in the reference).
///
/// ```swift
/// var config = TrainConfig(); config.dataset = "imagenet-lt"; config.dataDir = "data"; config.stream = true
/// let lists = try StreamedLists.load(config)   // lists.train.count == 115_846 on the full set
/// ```
public struct StreamedLists: Sendable {
    public var name: DatasetName
    public var train: ImageList
    public var val: ImageList
    public var test: ImageList
    public var normalization: ImageNormalization
    /// The training view (imagenet-train / inat-train) and the evaluation view (imagenet-eval).
    public var trainView: AugmentPipeline
    public var evalView: AugmentPipeline
    public var onFailure: DecodeFailurePolicy

    public static func load(_ config: TrainConfig) throws -> StreamedLists {
        let name = try DatasetName(parsing: config.dataset)
        guard let files = name.listFiles else {
            throw TailKitError.invalidOption("--stream applies to the list data sets (imagenet-lt, inat2018), not \(name.rawValue)")
        }
        guard let root = config.dataDir else {
            throw TailKitError.invalidOption("--data-dir is needed for \(name.rawValue): the folder holding \(files.train)")
        }
        guard let onFailure = DecodeFailurePolicy(rawValue: config.badImages) else {
            throw TailKitError.invalidOption("--bad-images must be skip or fail, not '\(config.badImages)'")
        }
        guard let filter = ResizeFilter(rawValue: config.resizeFilter) else {
            throw TailKitError.invalidOption("--resize-filter must be bilinear or bicubic, not '\(config.resizeFilter)'")
        }
        let train = try ImageList(listFile: "\(root)/\(files.train)", root: root)
        let classes = train.classNames.count
        let val = try ImageList(listFile: "\(root)/\(files.val)", root: root, classCount: classes)
        let test = try ImageList(listFile: "\(root)/\(files.test)", root: root, classCount: classes)
        let size = config.cropSize
        return StreamedLists(
            name: name, train: train, val: val, test: test,
            normalization: name == .imagenetLT ? .imageNet : .iNat2018,
            trainView: try AugmentPipeline.named(name == .imagenetLT ? "imagenet-train" : "inat-train",
                                                 inputHeight: size, inputWidth: size, outputSize: size, resizeFilter: filter),
            evalView: try AugmentPipeline.named("imagenet-eval", inputHeight: size, inputWidth: size, outputSize: size,
                                                resizeFilter: filter),
            onFailure: onFailure)
    }
}
