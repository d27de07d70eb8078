import Testing
@testable import TailData

/// A single-channel image from rows of values.
private func augTestGray(_ rows: [[UInt8]]) -> AugImage {
    AugImage(width: rows[0].count, height: rows.count, channels: 1, pixels: rows.flatMap { $0 })
}

private func augTestRandomImage(width: Int = 32, height: Int = 32, channels: Int = 3, seed: UInt64 = 7) -> AugImage {
    var rng = SeededGenerator(seed: seed)
    return AugImage(width: width, height: height, channels: channels,
                    pixels: (0..<(width * height * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
}

/// The crop's pixels are compared with Pillow in PillowParityTests; here, torchvision's draw of the offset.
@Suite struct AugmentCropFlipTests {
    @Test func randomPaddedCropDrawsItsOffsetOverThePaddedImage() {
        var rng = SeededGenerator(seed: 1)
        let source = augTestRandomImage(width: 30, height: 28)
        var tops = Set<Int>(), lefts = Set<Int>()
        for _ in 0..<200 {
            var draw = rng
            let top = draw.int(below: 28 + 8 - 32 + 1), left = draw.int(below: 30 + 8 - 32 + 1)
            let out = source.randomPaddedCrop(padding: 4, mode: .zero, cropHeight: 32, cropWidth: 32, using: &rng)
            #expect(out == source.paddedCrop(padding: 4, mode: .zero, top: top, left: left, cropHeight: 32, cropWidth: 32))
            tops.insert(top)
            lefts.insert(left)
        }
        #expect(tops == Set(0...4) && lefts == Set(0...6))
    }
}

@Suite struct AugmentRotationTests {
    let square = augTestGray([[1, 2], [3, 4]])

    @Test func quarterTurnsMatchTorchRot90() {
        #expect(square.rotated90(times: 1).pixels == [2, 4, 1, 3])
        #expect(square.rotated90(times: 2).pixels == [4, 3, 2, 1])
        #expect(square.rotated90(times: 3).pixels == [3, 1, 4, 2])
        #expect(square.rotated90(times: 4) == square)
        #expect(square.rotated90(times: -1) == square.rotated90(times: 3))
    }

    @Test func nonSquareQuarterTurnSwapsSides() {
        let wide = augTestGray([[1, 2, 3], [4, 5, 6]])
        let out = wide.rotated90(times: 1)
        #expect(out.width == 2 && out.height == 3)
        #expect(out.pixels == [3, 6, 2, 5, 1, 4])
    }

    @Test func batchRotationMatchesImageRotation() throws {
        let image = augTestRandomImage(width: 4, height: 4, channels: 3)
        let norm = ImageNormalization.unit(channels: 3)
        var batch = [Float]()
        for _ in 0..<4 { batch += norm.normalized(image) }
        try RotationTask.rotateSquareBatch(&batch, channels: 3, size: 4, labels: [0, 1, 2, 3])
        for k in 0..<4 {
            #expect(Array(batch[(k * 48)..<((k + 1) * 48)]) == norm.normalized(image.rotated90(times: k)))
        }
        #expect(throws: DataError.self) { try RotationTask.rotateSquareBatch(&batch, channels: 3, size: 4, labels: [0]) }
    }

    @Test func balancedLabelsAreNearBalanced() {
        var rng = SeededGenerator(seed: 3)
        let labels = RotationTask.balancedLabels(count: 130, using: &rng)
        #expect(labels.count == 130)
        let counts = (0..<4).map { k in labels.filter { $0 == k }.count }
        #expect(counts.allSatisfy { $0 >= 130 / 4 - 1 && $0 <= 130 / 4 + 2 })
    }
}

@Suite struct AugmentCutoutAndColorTests {
    @Test func fixedCutoutIsA17PixelGraySquareAtMost() {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<20 {
            var image = AugImage(width: 32, height: 32, channels: 3)
            image.fixedCutout(using: &rng)
            let gray = stride(from: 0, to: image.pixels.count, by: 3).filter { image.pixels[$0] == 127 }
            #expect(!gray.isEmpty && gray.count <= 17 * 17)
            #expect(image.pixels.allSatisfy { $0 == 0 || $0 == 127 })
        }
    }

    @Test func randomSizeCutoutUsesRecordsFill() {
        var rng = SeededGenerator(seed: 12)
        var filled = 0
        for _ in 0..<20 {
            var image = AugImage(width: 32, height: 32, channels: 3)
            image.randomSizeCutout(using: &rng)
            for p in 0..<(32 * 32) where image.pixels[3 * p] != 0 {
                #expect(Array(image.pixels[(3 * p)..<(3 * p + 3)]) == [125, 123, 114])
                filled += 1
            }
        }
        #expect(filled > 0)
    }

    @Test func randomResizedCropBoxFitsTheImage() {
        var rng = SeededGenerator(seed: 5)
        let rrc = RandomResizedCrop(height: 32, width: 32, scale: 0.2...1)
        for _ in 0..<50 {
            let b = rrc.box(imageHeight: 32, imageWidth: 40, using: &rng)
            #expect(b.top >= 0 && b.left >= 0 && b.top + b.height <= 32 && b.left + b.width <= 40)
            #expect(Double(b.height * b.width) >= 0.2 * 32 * 40 * 0.8)
        }
    }
}

@Suite struct AugmentNormalizeTests {
    @Test func writesPlanarCHWWithTorchArithmetic() throws {
        let norm = try ImageNormalization(mean: [0.5, 0, 0.25], std: [0.5, 1, 0.25])
        let image = AugImage(width: 2, height: 1, channels: 3, pixels: [255, 0, 255, 0, 255, 0])
        let out = norm.normalized(image)
        #expect(out == [1, -1, 0, 1, 3, -1])
        #expect(throws: DataError.self) { try ImageNormalization(mean: [0.5], std: [0.5, 0.5]) }
        #expect(throws: DataError.self) { try ImageNormalization(mean: [0.5], std: [0]) }
    }

    @Test func tablesHoldTheSpecConstants() throws {
        #expect(ImageNormalization.issCIFAR.std == [0.2023, 0.1994, 0.2010])
        #expect(ImageNormalization.recordsCIFAR100.mean == [0.5071, 0.4867, 0.4408])
        #expect(ImageNormalization.dasoCIFAR100.std == [0.2673, 0.2564, 0.2762])
        #expect(ImageNormalization.fashionMNIST.mean == [0.2860] && ImageNormalization.fashionMNIST.std == [0.3530])
        #expect(try ImageNormalization.named("daso-stl10") == ImageNormalization.dasoCIFAR10)
        #expect(throws: DataError.self) { try ImageNormalization.named("cifar-1000") }
        let byte: UInt8 = 200
        let gray = AugImage(width: 1, height: 1, channels: 1, pixels: [byte])
        #expect(ImageNormalization.fashionMNIST.normalized(gray) == [(Float(200) / 255 - Float(0.2860)) / Float(0.3530)])
    }
}

@Suite struct AugmentPipelineTests {
    @Test func everyPipelineProducesItsAdvertisedShape() throws {
        let image = augTestRandomImage(width: 32, height: 32)
        for name in AugmentPipeline.names {
            let size = name.hasPrefix("imagenet") || name.hasPrefix("inat") ? 24 : nil
            let pipeline = try AugmentPipeline.named(name, inputHeight: 32, inputWidth: 32, outputSize: size)
            let expected = pipeline.outputSize(height: 32, width: 32)
            for index in 0..<4 {
                var rng = AugmentPipeline.sampleGenerator(seed: 1, epoch: 0, index: index)
                let out = pipeline.apply(to: image, using: &rng)
                #expect(out.height == expected.height && out.width == expected.width && out.channels == 3, "\(name)")
            }
        }
        #expect(throws: DataError.self) { try AugmentPipeline.named("nope", inputHeight: 32, inputWidth: 32) }
    }

    @Test func stl10StyleResizeShrinksTheView() throws {
        let pipeline = try AugmentPipeline.named("strong", inputHeight: 96, inputWidth: 96, outputSize: 32)
        var rng = SeededGenerator(seed: 2)
        let out = pipeline.apply(to: augTestRandomImage(width: 96, height: 96), using: &rng)
        #expect(out.width == 32 && out.height == 32)
    }

    @Test func sameSeedSameBytesDifferentIndexDifferentCrop() throws {
        let image = augTestRandomImage()
        let weak = try AugmentPipeline.named("weak", inputHeight: 32, inputWidth: 32)
        func run(_ seed: UInt64, _ index: Int) -> AugImage {
            var rng = AugmentPipeline.sampleGenerator(seed: seed, epoch: 3, index: index)
            return weak.apply(to: image, using: &rng)
        }
        #expect(run(9, 4) == run(9, 4))
        let outputs = (0..<8).map { run(9, $0) }
        #expect(Set(outputs.map { $0.pixels }).count > 4)
        #expect(run(9, 4) != run(10, 4) || run(9, 5) != run(10, 5))
    }

    @Test func viewSetsByAlgorithm() throws {
        #expect(try AugmentPipeline.views("fixmatch", inputHeight: 32, inputWidth: 32).map(\.name) == ["weak-reflect", "strong"])
        #expect(try AugmentPipeline.views("records", inputHeight: 32, inputWidth: 32).map(\.name) == ["simclr", "records"])
        #expect(try AugmentPipeline.views("moco", inputHeight: 32, inputWidth: 32).count == 2)
        #expect(try AugmentPipeline.views("remixmatch", inputHeight: 32, inputWidth: 32).map(\.name)
                == ["weak-reflect", "strong-after-resize", "strong-after-resize"])
    }

    /// DASO's ReMixMatch views apply RandAugment + Cutout after the resize (`ra_first` false), FixMatch's before.
    @Test func strongAfterResizeRandAugmentsTheResizedImage() throws {
        let late = try AugmentPipeline.named("strong-after-resize", inputHeight: 96, inputWidth: 96, outputSize: 32)
        let early = try AugmentPipeline.named("strong", inputHeight: 96, inputWidth: 96, outputSize: 32)
        let isRandAugment = { (step: AugmentStep) -> Bool in if case .randAugment = step { return true } else { return false } }
        try #require(late.steps.count == 4 && early.steps.count == 4)
        #expect(isRandAugment(late.steps[3]) && isRandAugment(early.steps[2]))
        var rng = SeededGenerator(seed: 2)
        let out = late.apply(to: augTestRandomImage(width: 96, height: 96), using: &rng)
        #expect(out.width == 32 && out.height == 32)
    }
}
