/// One step of an augmentation pipeline, in the order torchvision `Compose` would run it.
public enum AugmentStep: Sendable, Equatable {
    case padCrop(padding: Int, mode: AugPadMode, height: Int, width: Int)
    case horizontalFlip(probability: Double)
    case randAugment(RandAugment)
    case randomAugment(RandomAugment)
    case cutout(size: Int, fill: [UInt8])
    case randomResizedCrop(RandomResizedCrop)
    case colorJitter(ColorJitter, probability: Double)
    case grayscale(probability: Double)
    case gaussianBlur(sigma: ClosedRange<Double>, probability: Double)
    case resize(height: Int, width: Int)
    /// torchvision `Resize(n, interpolation)`: shorter side to n, longer side int(n * long / short).
    case resizeShorterSide(Int, filter: ResizeFilter = .bilinear)
    case centerCrop(height: Int, width: Int)

    func apply(to image: AugImage, using rng: inout SeededGenerator) -> AugImage {
        switch self {
        case .padCrop(let padding, let mode, let h, let w):
            return image.randomPaddedCrop(padding: padding, mode: mode, cropHeight: h, cropWidth: w, using: &rng)
        case .horizontalFlip(let p):
            return image.randomHorizontalFlip(probability: p, using: &rng)
        case .randAugment(let ra):
            return ra.apply(to: image, using: &rng)
        case .randomAugment(let ra):
            return ra.apply(to: image, using: &rng)
        case .cutout(let size, let fill):
            var out = image
            out.fixedCutout(size: size, fill: fill, using: &rng)
            return out
        case .randomResizedCrop(let rrc):
            return rrc.apply(to: image, using: &rng)
        case .colorJitter(let jitter, let p):
            return rng.uniform() < p ? jitter.apply(to: image, using: &rng) : image
        case .grayscale(let p):
            return image.randomGrayscale(probability: p, using: &rng)
        case .gaussianBlur(let sigma, let p):
            guard rng.uniform() < p else { return image }
            let s = sigma.lowerBound + (sigma.upperBound - sigma.lowerBound) * rng.uniform()
            return image.gaussianBlurred(radius: s)
        case .resize(let h, let w):
            return image.resizedBilinear(width: w, height: h)
        case .resizeShorterSide(let n, let filter):
            let (h, w) = AugmentStep.shorterSideSize(n, height: image.height, width: image.width)
            return image.resized(width: w, height: h, filter: filter)
        case .centerCrop(let h, let w):
            let top = Int((Double(image.height - h) / 2).rounded(.toNearestOrEven))
            let left = Int((Double(image.width - w) / 2).rounded(.toNearestOrEven))
            return image.paddedCrop(padding: 0, mode: .zero, top: top, left: left, cropHeight: h, cropWidth: w)
        }
    }

    /// Size after this step for an input of the given size.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        switch self {
        case .padCrop(_, _, let h, let w), .resize(let h, let w), .centerCrop(let h, let w): return (h, w)
        case .randomResizedCrop(let rrc): return (rrc.height, rrc.width)
        case .resizeShorterSide(let n, _): return AugmentStep.shorterSideSize(n, height: height, width: width)
        default: return (height, width)
        }
    }

    private static func shorterSideSize(_ n: Int, height: Int, width: Int) -> (height: Int, width: Int) {
        height <= width ? (n, Int(Double(n) * Double(width) / Double(height)))
                        : (Int(Double(n) * Double(height) / Double(width)), n)
    }
}

/// A named chain of augmentation steps producing one view of a sample.
public struct AugmentPipeline: Sendable, Equatable {
    public var name: String
    public var steps: [AugmentStep]

    public init(name: String, steps: [AugmentStep]) {
        self.name = name
        self.steps = steps
    }

    public func apply(to image: AugImage, using rng: inout SeededGenerator) -> AugImage {
        var out = image
        for step in steps { out = step.apply(to: out, using: &rng) }
        return out
    }

    /// Output (height, width) for inputs of the given size.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        steps.reduce((height, width)) { $1.outputSize(height: $0.height, width: $0.width) }
    }

    /// The generator for one sample: derived from the run seed, the epoch, the dataset index
    /// and how often that index already appeared in the epoch (so resampled duplicates get
    /// fresh augmentations), never from thread timing.
    public static func sampleGenerator(seed: UInt64, epoch: Int, index: Int, occurrence: Int = 0) -> SeededGenerator {
        var g = SeededGenerator(seed: seed).fork(UInt64(truncatingIfNeeded: epoch)).fork(UInt64(truncatingIfNeeded: index))
        if occurrence > 0 { g = g.fork(UInt64(truncatingIfNeeded: occurrence)) }
        return g
    }

    /// Pipeline names understood by `named`.
    public static let names = ["none", "weak", "weak-reflect", "strong", "strong-after-resize", "records", "simclr", "moco", "moco-v1",
                               "imagenet-train", "inat-train", "imagenet-eval"]

    /// A pipeline by name for images of `inputHeight x inputWidth`. `outputSize` is the side of
    /// the produced view: the crop for RandomResizedCrop pipelines, a final bilinear resize for
    /// pad-crop ones (DASO's STL-10 96 -> 32), 224 for ImageNet ones when nil.
    /// - `weak`: zero-pad 4 random crop, then flip (imbalanced-semi-self).
    /// - `weak-reflect`: flip, then reflect-pad crop (DASO's weak view).
    /// - `strong`: DASO's weak + RandAugment(2, level 1-9, p 0.5) + 16 px Cutout (FixMatch); with
    ///   `outputSize`, RandAugment acts before the resize (DASO's `ra_first=True`).
    /// - `strong-after-resize`: the same with RandAugment + Cutout after the final resize (DASO's
    ///   `ra_first=False`: its ReMixMatch views, and TailKit's STL-10 default), so the 16 px Cutout is 16 px
    ///   of the produced view; equal to `strong` when nothing is resized.
    /// - `records`: RRC(0.2-1) + flip + RandomAugment(3) + random-size Cutout (RECORDS strong).
    /// - `simclr`: RRC(0.2-1) + flip + ColorJitter(0.4,0.4,0.4,0.1) p 0.8 + grayscale p 0.2.
    /// - `moco`: MoCo v2: RRC(0.2-1) + jitter p 0.8 + grayscale p 0.2 + blur p 0.5 + flip.
    /// - `moco-v1`: RRC(0.2-1) + grayscale p 0.2 + ColorJitter(0.4 x 4) + flip.
    /// - `imagenet-train` / `inat-train`: RRC(0.08-1) + flip (+ ColorJitter(0.4,0.4,0.4) for ImageNet).
    /// - `imagenet-eval`: resize shorter side to 256/224 x size, centre crop.
    ///
    /// `resizeFilter` is the interpolation of the ImageNet pipelines' RandomResizedCrop and Resize:
    /// bilinear (torchvision's default, what the reference uses) or bicubic.
    public static func named(_ name: String, inputHeight: Int, inputWidth: Int, outputSize: Int? = nil,
                             resizeFilter: ResizeFilter = .bilinear) throws -> AugmentPipeline {
        guard inputHeight > 0, inputWidth > 0 else {
            throw DataError.invalidArgument("augmentation '\(name)': image size \(inputHeight)x\(inputWidth) is empty")
        }
        if let s = outputSize, s <= 0 {
            throw DataError.invalidArgument("augmentation '\(name)': output size \(s) must be positive")
        }
        let side = outputSize ?? inputHeight
        let padCrop = { (mode: AugPadMode) in
            AugmentStep.padCrop(padding: 4, mode: mode, height: inputHeight, width: inputWidth)
        }
        let finalResize: [AugmentStep] = side != inputHeight || (outputSize != nil && side != inputWidth)
            ? [.resize(height: side, width: side)] : []
        let rrc = { (scale: ClosedRange<Double>, size: Int) in
            AugmentStep.randomResizedCrop(RandomResizedCrop(height: size, width: size, scale: scale))
        }
        let flip = AugmentStep.horizontalFlip(probability: 0.5)
        let imagenetCrop = AugmentStep.randomResizedCrop(RandomResizedCrop(height: outputSize ?? 224, width: outputSize ?? 224,
                                                                           scale: 0.08...1, filter: resizeFilter))
        let steps: [AugmentStep]
        switch name.lowercased() {
        case "none":
            steps = finalResize
        case "weak":
            steps = [padCrop(.zero), flip] + finalResize
        case "weak-reflect":
            steps = [flip, padCrop(.reflect)] + finalResize
        case "strong":
            steps = [flip, padCrop(.reflect), .randAugment(RandAugment())] + finalResize
        case "strong-after-resize":
            steps = [flip, padCrop(.reflect)] + finalResize + [.randAugment(RandAugment())]
        case "records":
            steps = [rrc(0.2...1, side), flip, .randomAugment(RandomAugment())]
        case "simclr":
            steps = [rrc(0.2...1, side), flip, .colorJitter(ColorJitter(), probability: 0.8), .grayscale(probability: 0.2)]
        case "moco":
            steps = [rrc(0.2...1, side), .colorJitter(ColorJitter(), probability: 0.8), .grayscale(probability: 0.2),
                     .gaussianBlur(sigma: 0.1...2.0, probability: 0.5), flip]
        case "moco-v1":
            steps = [rrc(0.2...1, side), .grayscale(probability: 0.2),
                     .colorJitter(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.4), probability: 1), flip]
        case "imagenet-train":
            steps = [imagenetCrop, flip,
                     .colorJitter(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0), probability: 1)]
        case "inat-train":
            steps = [imagenetCrop, flip]
        case "imagenet-eval":
            let crop = outputSize ?? 224
            steps = [.resizeShorterSide(crop * 256 / 224, filter: resizeFilter), .centerCrop(height: crop, width: crop)]
        default:
            throw DataError.invalidArgument("unknown augmentation '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        return AugmentPipeline(name: name.lowercased(), steps: steps)
    }

    /// The views a codebase draws per sample, by algorithm name: `fixmatch` (weak-reflect,
    /// strong), `records` (simclr, records), `moco` (two moco crops), `mixmatch` (two
    /// weak-reflect), `remixmatch` (weak-reflect, two strong-after-resize), or any single pipeline name.
    public static func views(_ name: String, inputHeight: Int, inputWidth: Int, outputSize: Int? = nil) throws -> [AugmentPipeline] {
        let make = { (n: String) in try named(n, inputHeight: inputHeight, inputWidth: inputWidth, outputSize: outputSize) }
        switch name.lowercased() {
        case "fixmatch", "daso": return [try make("weak-reflect"), try make("strong")]
        case "records", "corr": return [try make("simclr"), try make("records")]
        case "moco", "two-crop": return [try make("moco"), try make("moco")]
        case "mixmatch": return [try make("weak-reflect"), try make("weak-reflect")]
        case "remixmatch": return [try make("weak-reflect"), try make("strong-after-resize"), try make("strong-after-resize")]
        default: return [try make(name)]
        }
    }
}
