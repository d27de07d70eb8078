import Foundation

/// torchvision `RandomResizedCrop(size, scale, ratio, interpolation)` on a PIL image: 10 tries at a
/// random area/aspect box, a central fallback, then PIL's antialiased resize (bilinear, torchvision's
/// default, or bicubic).
public struct RandomResizedCrop: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var scale: ClosedRange<Double>
    public var ratio: ClosedRange<Double>
    public var filter: ResizeFilter

    public init(height: Int, width: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                filter: ResizeFilter = .bilinear) {
        self.height = height
        self.width = width
        self.scale = scale
        self.ratio = ratio
        self.filter = filter
    }

    /// The crop box (top, left, height, width) torchvision's `get_params` would choose.
    public func box(imageHeight: Int, imageWidth: Int, using rng: inout SeededGenerator) -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(imageHeight * imageWidth)
        let logLo = log(ratio.lowerBound), logHi = log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * rng.uniform())
            let aspect = exp(logLo + (logHi - logLo) * rng.uniform())
            let w = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0 && w <= imageWidth && h > 0 && h <= imageHeight {
                let top = rng.int(below: imageHeight - h + 1)
                let left = rng.int(below: imageWidth - w + 1)
                return (top, left, h, w)
            }
        }
        let inRatio = Double(imageWidth) / Double(imageHeight)
        var w = imageWidth, h = imageHeight
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return ((imageHeight - h) / 2, (imageWidth - w) / 2, h, w)
    }

    public func apply(to image: AugImage, using rng: inout SeededGenerator) -> AugImage {
        let b = box(imageHeight: image.height, imageWidth: image.width, using: &rng)
        return image.cropped(top: b.top, left: b.left, height: b.height, width: b.width)
            .resized(width: width, height: height, filter: filter)
    }
}
