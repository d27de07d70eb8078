/// An `AugmentPipeline` run from an encoded file: the first step, when it is torchvision's
/// RandomResizedCrop or Resize(shorter side), is planned on the header's full size before the
/// decode, so a JPEG can be decoded with libjpeg's DCT scaling straight to a fraction of its size
/// (Pillow's `Image.draft`) when the crop's region is at least twice the output on both sides.
///
/// Random draws are exactly those of the plain pipeline on the full-size image (the crop box is
/// drawn on the full size), so with `dctScaling` off the result is the plain pipeline's on the
/// decoded image, byte for byte; with it on, the box is mapped to the reduced image as
/// left' = ⌊left / d⌋, right' = min(⌈right / d⌉, ⌈W / d⌉) (likewise vertically) before the
/// same crop and antialiased resize.
///
/// ```swift
/// let pipeline = try AugmentPipeline.named("imagenet-train", inputHeight: 224, inputWidth: 224)
/// let decoding = DecodingPipeline(pipeline: pipeline, dctScaling: true)
/// var rng = AugmentPipeline.sampleGenerator(seed: 0, epoch: 0, index: 7)
/// let view = try decoding.apply(to: try EncodedImage(path: file), using: &rng)   // 224 x 224 RGB
/// ```
public struct DecodingPipeline: Sendable, Equatable {
    public var pipeline: AugmentPipeline
    public var dctScaling: Bool

    public init(pipeline: AugmentPipeline, dctScaling: Bool = true) {
        self.pipeline = pipeline
        self.dctScaling = dctScaling
    }

    /// The decoded and augmented view of `file`; throws `DataError.undecodable` for a broken file.
    public func apply(to file: EncodedImage, using rng: inout SeededGenerator) throws -> AugImage {
        guard let first = pipeline.steps.first else { return try file.decode() }
        let rest = AugmentPipeline(name: pipeline.name, steps: Array(pipeline.steps.dropFirst()))
        switch first {
        case .randomResizedCrop(let rrc):
            let box = rrc.box(imageHeight: file.height, imageWidth: file.width, using: &rng)
            let d = reduction(file, region: (box.width, box.height), target: (rrc.width, rrc.height))
            let width = (file.width + d - 1) / d, height = (file.height + d - 1) / d
            let crop = Self.mapped(box, by: d, width: width, height: height)
            // Only the crop's rows are decoded.
            let band = try file.decode(reduction: d, rows: crop.top..<(crop.top + crop.height))
            let view = band.cropped(top: 0, left: crop.left, height: crop.height, width: crop.width)
                .resized(width: rrc.width, height: rrc.height, filter: rrc.filter)
            return rest.apply(to: view, using: &rng)
        case .resizeShorterSide(_, let filter):
            let target = first.outputSize(height: file.height, width: file.width)
            let d = reduction(file, region: (file.width, file.height), target: (target.width, target.height))
            let view = try file.decode(reduction: d).resized(width: target.width, height: target.height, filter: filter)
            return rest.apply(to: view, using: &rng)
        default:
            return pipeline.apply(to: try file.decode(), using: &rng)
        }
    }

    /// DCT scale for a region resized to `target`: only when scaling is on and the region is at
    /// least twice the target, so the antialiased resize still does the last step of the shrink.
    func reduction(_ file: EncodedImage, region: (width: Int, height: Int), target: (width: Int, height: Int)) -> Int {
        guard dctScaling else { return 1 }
        let d = file.reduction(region: region, target: target)
        return d >= 2 ? d : 1
    }

    /// A full-size box in the 1/d image: outer edges rounded outwards, clamped to the image.
    static func mapped(_ box: (top: Int, left: Int, height: Int, width: Int), by d: Int, width: Int, height: Int)
        -> (top: Int, left: Int, height: Int, width: Int)
    {
        guard d > 1 else { return box }
        let top = box.top / d, left = box.left / d
        let bottom = min((box.top + box.height + d - 1) / d, height)
        let right = min((box.left + box.width + d - 1) / d, width)
        return (top, left, max(1, bottom - top), max(1, right - left))
    }
}
