import CImageCodecs
import Testing
@testable import TailData
import TestSupport

/// Encodes with the C test encoders in CImageCodecs.
private enum CodecFixture {
    static func png(_ pixels: [UInt8], width: Int, height: Int, channels: Int, interlaced: Bool = false) throws -> [UInt8] {
        var out = tk_encoded_image()
        let status = pixels.withUnsafeBufferPointer {
            tk_png_encode($0.baseAddress, Int32(width), Int32(height), Int32(channels), interlaced ? 1 : 0, &out)
        }
        return try take(&out, status: status)
    }

    static func jpeg(_ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95) throws -> [UInt8] {
        var out = tk_encoded_image()
        let status = pixels.withUnsafeBufferPointer {
            tk_jpeg_encode($0.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(quality), &out)
        }
        return try take(&out, status: status)
    }

    private static func take(_ out: inout tk_encoded_image, status: Int32) throws -> [UInt8] {
        let bytes = try #require(status == 0 ? out.bytes : nil)
        defer { tk_codec_free(bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: out.size))
    }

    /// A smooth RGB gradient, which JPEG reproduces closely.
    static func gradient(width: Int, height: Int) -> [UInt8] {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8(x * 255 / max(width - 1, 1)), UInt8(y * 255 / max(height - 1, 1)), 128]
            }
        }
        return pixels
    }

    /// Largest absolute per-sample difference.
    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }
}

@Suite struct ImageListTests {
    @Test func pngDecodesExactlyInEveryLayout() throws {
        let (w, h) = (13, 7)
        let rgb = formatsRandomBytes(w * h * 3, seed: 110)
        let gray = formatsRandomBytes(w * h, seed: 111)
        let alpha = formatsRandomBytes(w * h, seed: 112)
        var rgba: [UInt8] = [], grayAlpha: [UInt8] = [], grayAsRGB: [UInt8] = []
        for i in 0..<(w * h) {
            rgba += [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], alpha[i]]
            grayAlpha += [gray[i], alpha[i]]
            grayAsRGB += [gray[i], gray[i], gray[i]]
        }
        let cases: [([UInt8], Int, [UInt8])] = [(rgb, 3, rgb), (gray, 1, grayAsRGB), (rgba, 4, rgb), (grayAlpha, 2, grayAsRGB)]
        for (pixels, channels, expected) in cases {
            for interlaced in [false, true] {
                let file = try CodecFixture.png(pixels, width: w, height: h, channels: channels, interlaced: interlaced)
                let image = try PNGDecoder.decode(file, path: "p.png")
                #expect((image.width, image.height, image.channels) == (w, h, 3))
                #expect(image.pixels == expected, "channels \(channels), interlaced \(interlaced)")
            }
        }
    }

    @Test func jpegDecodesWithinTolerance() throws {
        let (w, h) = (40, 24)
        let rgb = CodecFixture.gradient(width: w, height: h)
        let color = try JPEGDecoder.decode(CodecFixture.jpeg(rgb, width: w, height: h, channels: 3), path: "c.jpg")
        #expect((color.width, color.height, color.channels) == (w, h, 3))
        #expect(CodecFixture.maxDifference(color.pixels, rgb) <= 12)
        let gray = (0..<(w * h)).map { UInt8(($0 % w) * 6) }
        let decodedGray = try JPEGDecoder.decode(CodecFixture.jpeg(gray, width: w, height: h, channels: 1), path: "g.jpg")
        #expect(decodedGray.pixels.count == w * h * 3)
        #expect(CodecFixture.maxDifference(decodedGray.pixels, gray.flatMap { [$0, $0, $0] }) <= 6)
    }

    @Test func adobeCMYKJPEGBecomesRGB() throws {
        // Adobe CMYK is stored inverted: samples (R, G, B, 255) mean C = 1 - R and no black ink.
        let (w, h) = (16, 16)
        let rgb = CodecFixture.gradient(width: w, height: h)
        var cmyk: [UInt8] = []
        for i in 0..<(w * h) { cmyk += [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255] }
        let image = try JPEGDecoder.decode(CodecFixture.jpeg(cmyk, width: w, height: h, channels: 4), path: "k.jpg")
        #expect(image.channels == 3 && image.pixels.count == w * h * 3)
        #expect(CodecFixture.maxDifference(image.pixels, rgb) <= 6)
    }

    @Test func undecodableImagesAreTypedErrors() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let rgb = CodecFixture.gradient(width: 32, height: 32)
        let jpeg = try CodecFixture.jpeg(rgb, width: 32, height: 32, channels: 3)
        let png = try CodecFixture.png(rgb, width: 32, height: 32, channels: 3)
        for cut in [3, 20, jpeg.count / 2, jpeg.count - 2] {
            let path = try folder.write("cut\(cut).jpg", Array(jpeg[..<cut]))
            let error = #expect(throws: DataError.self) { try DecodedImage.decodeFile(path) }
            guard case .undecodable(let named, _) = error else {
                Issue.record("expected undecodable, got \(String(describing: error))")
                continue
            }
            #expect(named == path)
        }
        for cut in [8, 30, png.count / 2, png.count - 13] {
            let path = try folder.write("cut\(cut).png", Array(png[..<cut]))
            let error = #expect(throws: DataError.self) { try DecodedImage.decodeFile(path) }
            if case .undecodable(let named, _) = error { #expect(named == path) } else { Issue.record("got \(String(describing: error))") }
        }
        let text = try folder.write("notes.jpg", Array("not an image".utf8))
        #expect(throws: DataError.undecodable(path: text, detail: "neither a JPEG nor a PNG signature")) {
            try DecodedImage.decodeFile(text)
        }
        #expect(throws: DataError.missingFile(path: folder.file("absent.jpg"))) {
            try DecodedImage.decodeFile(folder.file("absent.jpg"))
        }
        for seed in UInt64(0)..<40 {
            let noise = formatsRandomBytes(Int(seed) * 31, seed: seed)
            #expect(throws: DataError.self) { try JPEGDecoder.decode([0xFF, 0xD8, 0xFF] + noise, path: "n") }
            #expect(throws: DataError.self) { try PNGDecoder.decode(Array(png[..<16]) + noise, path: "n") }
            var flipped = jpeg
            var generator = SeededGenerator(seed: seed)
            for _ in 0..<8 { flipped[generator.int(below: flipped.count)] ^= 0xFF }
            _ = try? JPEGDecoder.decode(flipped, path: "f")  // must not crash; may still decode
        }
    }

    @Test func listFileDecodesOnDemandAndByContent() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let a = formatsRandomBytes(6 * 4 * 3, seed: 120)
        let b = formatsRandomBytes(5 * 9 * 3, seed: 121)
        try folder.write("images/train/n01/a.png", CodecFixture.png(a, width: 6, height: 4, channels: 3))
        // ImageNet holds PNG data under .JPEG names; the signature decides.
        try folder.write("images/train/n02/b c.JPEG", CodecFixture.png(b, width: 5, height: 9, channels: 3))
        let list = try folder.write("ImageNet_LT_train.txt", text: "train/n01/a.png 0\r\n\ntrain/n02/b c.JPEG\t2\r\n")
        let dataset = try ImageList(listFile: list, root: folder.file("images"))
        #expect(dataset.paths == ["train/n01/a.png", "train/n02/b c.JPEG"])
        #expect(dataset.labels == [0, 2] && dataset.classNames == ["0", "1", "2"] && dataset.classCounts() == [1, 0, 1])
        #expect(try dataset.decode(0) == DecodedImage(width: 6, height: 4, channels: 3, pixels: a))
        #expect(try dataset.decode(1).pixels == b)
        #expect(throws: DataError.self) { try dataset.decode(2) }
        let set = try dataset.loadAll(resizeTo: (height: 4, width: 6))
        #expect(set.count == 2 && set.height == 4 && set.width == 6 && set.images.prefix(72).elementsEqual(a))
        let bResized = try DecodedImage(width: 5, height: 9, channels: 3, pixels: b).resized(width: 6, height: 4)
        #expect(set.images.suffix(72).elementsEqual(bResized.pixels) && set.labels == [0, 2])
    }

    @Test func listFileErrors() throws {
        let folder = try TemporaryFolder("tailkit-formats")
        defer { folder.remove() }
        let badLabel = try folder.write("bad.txt", text: "a.jpg 1\nb.jpg x\n")
        #expect(throws: DataError.badHeader(path: badLabel, detail: "line 2 is not '<path> <integer label>'")) {
            try ImageList(listFile: badLabel, root: folder.path)
        }
        let range = try folder.write("range.txt", text: "a.jpg 1\nb.jpg 5\n")
        #expect(throws: DataError.labelOutOfRange(path: range, index: 1, label: 5, validRange: "0..<3")) {
            try ImageList(listFile: range, root: folder.path, classCount: 3)
        }
        let negative = try folder.write("neg.txt", text: "a.jpg -1\n")
        #expect(throws: DataError.labelOutOfRange(path: negative, index: 0, label: -1, validRange: "0..<0")) {
            try ImageList(listFile: negative, root: folder.path)
        }
        let list = try folder.write("ok.txt", text: "missing.jpg 0\n")
        let dataset = try ImageList(listFile: list, root: folder.path, classNames: ["cat"])
        #expect(throws: DataError.missingFile(path: folder.file("missing.jpg"))) { try dataset.decode(0) }
        #expect(throws: DataError.missingFile(path: folder.file("absent.txt"))) {
            try ImageList(listFile: folder.file("absent.txt"), root: folder.path)
        }
    }

    @Test func bilinearResize() throws {
        let image = DecodedImage(width: 2, height: 2, channels: 1, pixels: [0, 100, 200, 40])
        #expect(try image.resized(width: 1, height: 1).pixels == [85])  // centre: mean of the four
        #expect(try image.resized(width: 2, height: 2) == image)
        let constant = DecodedImage(width: 3, height: 2, channels: 3, pixels: [UInt8](repeating: 77, count: 18))
        #expect(try constant.resized(width: 7, height: 5).pixels == [UInt8](repeating: 77, count: 105))
        // Upscaling a 2-pixel row by 2: centres at 0.25 and 0.75 of the way give 25 and 75.
        let row = DecodedImage(width: 2, height: 1, channels: 1, pixels: [0, 100])
        #expect(try row.resized(width: 4, height: 1).pixels == [0, 25, 75, 100])
        #expect(throws: DataError.invalidArgument("resize target 0x4 must be positive")) {
            try row.resized(width: 4, height: 0)
        }
    }
}
