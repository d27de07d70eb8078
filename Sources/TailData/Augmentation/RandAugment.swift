/// FixMatch's RandAugment as DASO ships it (DASO `lib/dataset/transform/randaugment.py`,
/// `RandAugment(2, 10, prob=0.5)` + Cutout 16 px gray; not RECORDS' `RandomAugment`):
/// pick `numOps` ops with replacement; each is applied with probability `probability` at an
/// integer level uniform in 1..<maxLevel; then Cutout is always applied.
public struct RandAugment: Sendable, Equatable {
    public var numOps: Int
    public var probability: Double
    /// Levels are drawn from 1..<maxLevel (`randint(1, 10)`); parameters scale by level/10.
    public var maxLevel: Int
    public var cutoutSize: Int
    public var cutoutFill: [UInt8]
    public var pool: [RandAugmentOp]

    public init(numOps: Int = 2, probability: Double = 0.5, maxLevel: Int = 10, cutoutSize: Int = 16,
                cutoutFill: [UInt8] = AugImage.dasoCutoutFill, pool: [RandAugmentOp] = RandAugmentOp.allCases) {
        self.numOps = numOps
        self.probability = probability
        self.maxLevel = maxLevel
        self.cutoutSize = cutoutSize
        self.cutoutFill = cutoutFill
        self.pool = pool
    }

    public func apply(to input: AugImage, using rng: inout SeededGenerator) -> AugImage {
        var image = input
        for _ in 0..<numOps {
            let op = pool[rng.int(below: pool.count)]
            let level = 1 + rng.int(below: max(1, maxLevel - 1))
            guard rng.uniform() <= probability else { continue }
            let parameter = RandAugment.parameter(for: op, level: level, width: image.width,
                                                  height: image.height, using: &rng)
            image = op.apply(to: image, parameter: parameter)
        }
        if cutoutSize > 0 {
            image.fixedCutout(size: cutoutSize, fill: cutoutFill, using: &rng)
        }
        return image
    }

    /// FixMatch's level mapping: float = level*max/10 + bias, int = int(level*max/10) + bias,
    /// with a random sign for rotations, shears and translations.
    public static func parameter(for op: RandAugmentOp, level: Int, width: Int, height: Int,
                                 using rng: inout SeededGenerator) -> Double {
        let l = Double(level)
        func floatParameter(_ maxValue: Double, _ bias: Double) -> Double { l * maxValue / 10 + bias }
        func intParameter(_ maxValue: Double, _ bias: Int) -> Int { Int(l * maxValue / 10) + bias }
        func signed(_ v: Double) -> Double { rng.uniform() < 0.5 ? -v : v }
        switch op {
        case .autoContrast, .equalize, .identity: return 0
        case .brightness, .color, .contrast, .sharpness: return floatParameter(0.9, 0.05)
        case .posterize: return Double(intParameter(4, 4))
        case .rotate: return signed(Double(intParameter(30, 0)))
        case .shearX, .shearY: return signed(floatParameter(0.3, 0))
        case .solarize: return Double(256 - intParameter(256, 0))
        case .translateX: return Double(Int(signed(floatParameter(0.3, 0)) * Double(width)))
        case .translateY: return Double(Int(signed(floatParameter(0.3, 0)) * Double(height)))
        }
    }
}
