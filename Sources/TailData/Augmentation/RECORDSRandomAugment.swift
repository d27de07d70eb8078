/// RECORDS' `RandomAugment(3, 5)` (RECORDS-LTPLL `utils/randaugment.py`; the magnitude is ignored
/// by the original): pick `numOps` ops with replacement, apply each with a value uniform over its
/// continuous range, then a random-size Cutout (up to half the width, fill (125, 123, 114)).
/// Not FixMatch's `RandAugment` (DASO's strong view), which draws integer levels.
public struct RandomAugment: Sendable, Equatable {
    public var numOps: Int
    public var cutoutFraction: Double
    public var pool: [RandAugmentOp]

    public init(numOps: Int = 3, cutoutFraction: Double = 0.5, pool: [RandAugmentOp] = RandAugmentOp.allCases) {
        self.numOps = numOps
        self.cutoutFraction = cutoutFraction
        self.pool = pool
    }

    /// Value range of each op (translations as a fraction of the side).
    public static func range(of op: RandAugmentOp) -> ClosedRange<Double> {
        switch op {
        case .autoContrast, .equalize, .identity: return 0...1
        case .brightness, .color, .contrast, .sharpness: return 0.05...0.95
        case .posterize: return 4...8
        case .rotate: return -30...30
        case .shearX, .shearY, .translateX, .translateY: return -0.3...0.3
        case .solarize: return 0...256
        }
    }

    public func apply(to input: AugImage, using rng: inout SeededGenerator) -> AugImage {
        var image = input
        for _ in 0..<numOps {
            let op = pool[rng.int(below: pool.count)]
            let r = RandomAugment.range(of: op)
            var v = r.lowerBound + (r.upperBound - r.lowerBound) * rng.uniform()
            switch op {
            case .posterize: v = Double(max(1, Int(v)))
            case .translateX: v *= Double(image.width)
            case .translateY: v *= Double(image.height)
            default: break
            }
            image = op.apply(to: image, parameter: v)
        }
        image.randomSizeCutout(maxFraction: cutoutFraction, using: &rng)
        return image
    }
}
