import Testing
@testable import TailData

// Every op's pixels are compared with real Pillow in PillowParityTests; these tests cover the
// policies around them (level mapping, op choice, Cutout), which Pillow does not define.
@Suite struct RandAugmentPolicyTests {
    @Test func levelMappingMatchesFixMatch() {
        var rng = SeededGenerator(seed: 1)
        func p(_ op: RandAugmentOp, _ level: Int) -> Double {
            RandAugment.parameter(for: op, level: level, width: 32, height: 32, using: &rng)
        }
        #expect(abs(p(.brightness, 1) - 0.14) < 1e-12 && abs(p(.contrast, 9) - 0.86) < 1e-12)
        #expect(p(.posterize, 1) == 4 && p(.posterize, 9) == 7)
        #expect(p(.solarize, 1) == 231 && p(.solarize, 9) == 26)
        #expect(abs(p(.rotate, 9)) == 27 && abs(p(.rotate, 1)) == 3)
        #expect(abs(abs(p(.shearX, 9)) - 0.27) < 1e-12)
        // int(0.27 * 32) = 8 pixels.
        #expect(abs(p(.translateX, 9)) == 8)
        let signs = Set((0..<40).map { _ in p(.rotate, 5) > 0 })
        #expect(signs.count == 2)
    }

    @Test func strongAugmentAlwaysEndsWithGrayCutout() {
        // Every pool op maps an all-black image to black (solarize thresholds are <= 231),
        // so the only non-zero pixels come from the 127-gray Cutout.
        let black = AugImage(width: 32, height: 32, channels: 3)
        for seed in 0..<20 {
            var rng = SeededGenerator(seed: UInt64(seed))
            let out = RandAugment().apply(to: black, using: &rng)
            #expect(out.pixels.contains(127))
            #expect(out.pixels.allSatisfy { $0 == 0 || $0 == 127 })
        }
    }

    @Test func policiesAreDeterministicPerGenerator() {
        var src = SeededGenerator(seed: 4)
        let image = AugImage(width: 32, height: 32, channels: 3,
                             pixels: (0..<3072).map { _ in UInt8(truncatingIfNeeded: src.next()) })
        for seed in 0..<10 {
            var a = SeededGenerator(seed: UInt64(seed)), b = a
            #expect(RandAugment().apply(to: image, using: &a) == RandAugment().apply(to: image, using: &b))
            var c = SeededGenerator(seed: UInt64(seed)), d = c
            let out = RandomAugment().apply(to: image, using: &c)
            #expect(out == RandomAugment().apply(to: image, using: &d))
            #expect(out.width == 32 && out.height == 32 && out.channels == 3)
        }
    }

    @Test func recordsRangesFollowTheSpec() {
        #expect(RandomAugment.range(of: .brightness) == 0.05...0.95)
        #expect(RandomAugment.range(of: .rotate) == -30...30)
        #expect(RandomAugment.range(of: .solarize) == 0...256)
        #expect(RandomAugment.range(of: .posterize) == 4...8)
        #expect(RandomAugment().numOps == 3 && RandAugment().numOps == 2)
    }
}
