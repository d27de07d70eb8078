import Testing
@testable import TailData

private func randAugTestGray(_ values: [UInt8], width: Int) -> AugImage {
    AugImage(width: width, height: values.count / width, channels: 1, pixels: values)
}

/// Expected values below are computed by hand from Pillow's C formulas (noted per test).
@Suite struct RandAugmentPILFormulaTests {
    @Test func brightnessTruncatesTheFloatBlend() {
        // Image.blend(black, img, 0.5): 0 + 0.5 * v, truncated.
        let out = randAugTestGray([10, 11, 255], width: 3).brightnessAdjusted(0.5)
        #expect(out.pixels == [5, 5, 127])
        // Extrapolation clips: 200 * 1.5 = 300 -> 255.
        #expect(randAugTestGray([200, 100], width: 2).brightnessAdjusted(1.5).pixels == [255, 150])
    }

    @Test func contrastBlendsWithRoundedMeanLuminance() {
        // Mean of L = (0 + 100) / 2 = 50; 50 + 0.5 * (v - 50).
        let out = randAugTestGray([0, 100], width: 2).contrastAdjusted(0.5)
        #expect(out.pixels == [25, 75])
    }

    @Test func colorBlendsWithLuma() {
        // L = (200*19595 + 100*38470 + 0x8000) >> 16 = 119; 119 + 0.5*(v - 119), truncated.
        let pixel = AugImage(width: 1, height: 1, channels: 3, pixels: [200, 100, 0])
        #expect(pixel.colorAdjusted(0.5).pixels == [159, 109, 59])
    }

    @Test func sharpnessBlendsWithSmoothFilterAndKeepsBorder() {
        var values = [UInt8](repeating: 0, count: 9)
        values[4] = 13
        let image = randAugTestGray(values, width: 3)
        // SMOOTH centre = 13 * 5/13 = 5; the border is copied unchanged.
        #expect(image.smoothed().pixels == [0, 0, 0, 0, 5, 0, 0, 0, 0])
        // 5 + 0.5 * (13 - 5) = 9.
        #expect(image.sharpnessAdjusted(0.5).pixels[4] == 9)
    }

    @Test func solarizePosterizeAutocontrast() {
        #expect(randAugTestGray([127, 128, 200], width: 3).solarized(threshold: 128).pixels == [127, 127, 55])
        #expect(randAugTestGray([0xFF, 0x1F, 0x0F], width: 3).posterized(bits: 4).pixels == [0xF0, 0x10, 0x00])
        // lo 50, hi 150: scale 2.55, offset -127.5; int(100 * 2.55 - 127.5) = 127.
        #expect(randAugTestGray([50, 100, 150], width: 3).autoContrasted().pixels == [0, 127, 255])
        let flat = randAugTestGray([7, 7], width: 2)
        #expect(flat.autoContrasted() == flat)
    }

    @Test func equalizeFollowsPILCumulativeTable() {
        // 255 x 10, 255 x 20, 1 x 30: step = (511 - 1) / 255 = 2, n starts at 1;
        // lut[10] = 1/2 = 0, lut[20] = 256/2 = 128, lut[30] = 511/2 = 255.
        let values = [UInt8](repeating: 10, count: 255) + [UInt8](repeating: 20, count: 255) + [30]
        let out = randAugTestGray(values, width: values.count).equalized()
        #expect(out.pixels[0] == 0 && out.pixels[255] == 128 && out.pixels[510] == 255)
    }

    @Test func affineSamplesPixelCentresWithBlackFill() {
        let image = randAugTestGray([1, 2, 3, 4, 5, 6, 7, 8], width: 4)
        // Translate by one pixel: out(x, y) = in(x + 1, y).
        #expect(image.affineTransformed(AugAffine(1, 0, 1, 0, 1, 0)).pixels == [2, 3, 4, 0, 6, 7, 8, 0])
        // ShearX 0.5: xin = floor(x + 0.5 + 0.5 * (y + 0.5)) -> row 0 unchanged, row 1 shifted by one.
        #expect(image.affineTransformed(AugAffine(1, 0.5, 0, 0, 1, 0)).pixels == [1, 2, 3, 4, 6, 7, 8, 0])
        // Grey fill instead of black.
        #expect(image.affineTransformed(AugAffine(1, 0, -1, 0, 1, 0), fill: [9]).pixels == [9, 1, 2, 3, 9, 5, 6, 7])
    }

    @Test func rotateMatchesPillowOnASmallImage() {
        let image = randAugTestGray((0..<36).map { UInt8($0 * 7) }, width: 6)
        // Pillow 13.0: Image.fromarray(a, "L").rotate(30) and .transform(AFFINE, (1, 0.27, 0, 0, 1, 0)).
        let rotated: [UInt8] = [0, 14, 21, 70, 77, 0, 7, 14, 63, 70, 119, 119, 49, 49, 98, 105, 154, 161,
                                84, 91, 140, 147, 196, 196, 126, 126, 175, 182, 231, 238, 0, 168, 175, 224, 231, 0]
        #expect(image.rotated(degrees: 30).pixels == rotated)
        let sheared: [UInt8] = [0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 91, 98, 105, 112, 119, 0,
                                133, 140, 147, 154, 161, 0, 175, 182, 189, 196, 203, 0, 217, 224, 231, 238, 245, 0]
        #expect(image.affineTransformed(AugAffine(1, 0.27, 0, 0, 1, 0)).pixels == sheared)
        #expect(image.rotated(degrees: 90) == image.rotated90(times: 1))
        #expect(image.rotated(degrees: -180) == image.rotated90(times: 2))
        #expect(image.rotated(degrees: 360) == image)
    }
}

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
