/// The 14 PIL operations shared by FixMatch's RandAugment pool (DASO) and RECORDS'
/// RandomAugment, in the order both codebases list them.
public enum RandAugmentOp: Int, Sendable, CaseIterable {
    case autoContrast, brightness, color, contrast, equalize, identity, posterize
    case rotate, sharpness, shearX, shearY, solarize, translateX, translateY

    /// Applies the op with its already-resolved PIL parameter: an enhance factor, bits,
    /// degrees, shear, threshold, or a translation in pixels. Geometric ops fill with black.
    public func apply(to image: AugImage, parameter v: Double) -> AugImage {
        switch self {
        case .autoContrast: return image.autoContrasted()
        case .brightness: return image.brightnessAdjusted(v)
        case .color: return image.colorAdjusted(v)
        case .contrast: return image.contrastAdjusted(v)
        case .equalize: return image.equalized()
        case .identity: return image
        case .posterize: return image.posterized(bits: Int(v))
        case .rotate: return image.rotated(degrees: v)
        case .sharpness: return image.sharpnessAdjusted(v)
        case .shearX: return image.affineTransformed(AugAffine(1, v, 0, 0, 1, 0))
        case .shearY: return image.affineTransformed(AugAffine(1, 0, 0, v, 1, 0))
        case .solarize: return image.solarized(threshold: v)
        case .translateX: return image.affineTransformed(AugAffine(1, 0, v, 0, 1, 0))
        case .translateY: return image.affineTransformed(AugAffine(1, 0, 0, 0, 1, v))
        }
    }
}
