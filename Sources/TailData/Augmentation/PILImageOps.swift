/// Pixel-value operations with Pillow's exact integer/float semantics (ImageEnhance, ImageOps,
/// ImageFilter.SMOOTH, convert("L")), so RandAugment-style pipelines see the same bytes the
/// PyTorch originals saw.
extension AugImage {
    // MARK: Blending (ImageEnhance)

    /// `Image.blend(degenerate, self, factor)`: float32 `d + f*(s-d)`, truncated; clipped when
    /// the factor extrapolates (outside [0, 1]).
    public func blended(withDegenerate degenerate: AugImage, factor: Double) -> AugImage {
        let alpha = Float(factor)
        if alpha == 0 { return degenerate }
        if alpha == 1 { return self }
        let interpolate = alpha >= 0 && alpha <= 1
        return pixels.withUnsafeBufferPointer { img in
            degenerate.pixels.withUnsafeBufferPointer { deg in
                AugImage.build(width: width, height: height, channels: channels) { out in
                    for i in 0..<out.count {
                        let d = Int(deg[i])
                        let v = Float(d) + alpha * Float(Int(img[i]) - d)
                        if interpolate {
                            out[i] = UInt8(v)
                        } else {
                            out[i] = v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(v))
                        }
                    }
                }
            }
        }
    }

    /// `blended(withDegenerate:factor:)` with a flat degenerate image of value `level`: the output
    /// byte depends on the input byte alone, so one 256-entry table of that same arithmetic maps
    /// the image (no degenerate image is made).
    func blended(withLevel level: UInt8, factor: Double) -> AugImage {
        let alpha = Float(factor)
        if alpha == 1 { return self }
        let interpolate = alpha >= 0 && alpha <= 1
        let d = Int(level)
        let table = (0..<256).map { v -> UInt8 in
            let x = Float(d) + alpha * Float(v - d)
            return interpolate ? UInt8(x) : (x <= 0 ? 0 : (x >= 255 ? 255 : UInt8(x)))
        }
        var out = self
        out.applyTable(table)
        return out
    }

    /// ImageEnhance.Brightness: blend with black.
    public func brightnessAdjusted(_ factor: Double) -> AugImage {
        blended(withLevel: 0, factor: factor)
    }

    /// ImageEnhance.Color: blend with the image's own grayscale (a no-op for 1-channel images); the
    /// grayscale is computed pixel by pixel inside the blend, never stored.
    public func colorAdjusted(_ factor: Double) -> AugImage {
        guard channels == 3 else { return self }
        let alpha = Float(factor)
        if alpha == 1 { return self }
        let interpolate = alpha >= 0 && alpha <= 1
        let n = pixelCount
        return pixels.withUnsafeBufferPointer { src in
            AugImage.build(width: width, height: height, channels: 3) { out in
                for i in 0..<n {
                    let r = UInt32(src[3 * i]), g = UInt32(src[3 * i + 1]), b = UInt32(src[3 * i + 2])
                    let d = Int((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                    for k in 0..<3 {
                        let v = Float(d) + alpha * Float(Int(src[3 * i + k]) - d)
                        out[3 * i + k] = interpolate ? UInt8(v) : (v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(v)))
                    }
                }
            }
        }
    }

    /// ImageEnhance.Contrast: blend with a flat image at the rounded mean luminance.
    public func contrastAdjusted(_ factor: Double) -> AugImage {
        let gray = channels == 3 ? grayscaled(outputChannels: 1) : self
        var sum = 0
        gray.pixels.withUnsafeBufferPointer { for v in $0 { sum += Int(v) } }
        let mean = Double(sum) / Double(max(1, gray.pixels.count))
        let level = UInt8(clamping: Int(mean + 0.5))
        return blended(withLevel: level, factor: factor)
    }

    /// ImageEnhance.Sharpness: blend with ImageFilter.SMOOTH.
    public func sharpnessAdjusted(_ factor: Double) -> AugImage {
        blended(withDegenerate: smoothed(), factor: factor)
    }

    // MARK: Conversions and filters

    /// PIL `convert("L")` (ITU-R 601-2 luma in 16-bit fixed point), replicated to
    /// `outputChannels` (1 or 3) as `convert("L").convert("RGB")` does.
    public func grayscaled(outputChannels: Int) -> AugImage {
        guard channels == 3 else { return self }
        let n = pixelCount
        return pixels.withUnsafeBufferPointer { src in
            AugImage.build(width: width, height: height, channels: outputChannels) { out in
                for i in 0..<n {
                    let r = UInt32(src[3 * i]), g = UInt32(src[3 * i + 1]), b = UInt32(src[3 * i + 2])
                    let l = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                    for k in 0..<outputChannels { out[i * outputChannels + k] = l }
                }
            }
        }
    }

    /// ImageFilter.SMOOTH: 3x3 kernel (1 1 1 / 1 5 1 / 1 1 1)/13; PIL leaves the 1-pixel border as is.
    public func smoothed() -> AugImage {
        guard width >= 3, height >= 3 else { return self }
        let (w, h, c) = (width, height, channels)
        let k: Float = 1 / 13, k5: Float = 5 / 13
        var out = self
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 1..<(h - 1) {
                    for x in 1..<(w - 1) {
                        for ch in 0..<c {
                            @inline(__always) func at(_ xx: Int, _ yy: Int) -> Float { Float(src[(yy * w + xx) * c + ch]) }
                            // Pillow sums the row below, then the centre row, then the row above.
                            var s: Float = 0
                            s += at(x - 1, y + 1) * k + at(x, y + 1) * k + at(x + 1, y + 1) * k
                            s += at(x - 1, y) * k + at(x, y) * k5 + at(x + 1, y) * k
                            s += at(x - 1, y - 1) * k + at(x, y - 1) * k + at(x + 1, y - 1) * k
                            dst[(y * w + x) * c + ch] = augPILClip8(s)
                        }
                    }
                }
            }
        }
        return out
    }

    // MARK: ImageOps

    /// ImageOps.autocontrast(cutoff=0): per channel, stretch [lo, hi] to [0, 255].
    public func autoContrasted() -> AugImage {
        let hist = channelHistograms()
        let tables = hist.map { h -> [UInt8] in
            guard let lo = h.firstIndex(where: { $0 > 0 }), let hi = h.lastIndex(where: { $0 > 0 }), hi > lo else {
                return augIdentityTable
            }
            let scale = 255.0 / Double(hi - lo)
            let offset = -Double(lo) * scale
            return (0..<256).map { UInt8(clamping: Int(Double($0) * scale + offset)) }
        }
        var out = self
        out.applyChannelTables(tables)
        return out
    }

    /// ImageOps.equalize: per channel, PIL's cumulative-histogram lookup table.
    public func equalized() -> AugImage {
        let tables = channelHistograms().map { h -> [UInt8] in
            let nonzero = h.filter { $0 > 0 }
            guard nonzero.count > 1, let last = nonzero.last else { return augIdentityTable }
            let step = (nonzero.reduce(0, +) - last) / 255
            guard step > 0 else { return augIdentityTable }
            var n = step / 2
            var table = [UInt8](repeating: 0, count: 256)
            for i in 0..<256 {
                table[i] = UInt8(clamping: n / step)
                n += h[i]
            }
            return table
        }
        var out = self
        out.applyChannelTables(tables)
        return out
    }

    /// ImageOps.posterize: keep the top `bits` bits.
    public func posterized(bits: Int) -> AugImage {
        let keep = max(0, min(8, bits))
        let mask = UInt8(truncatingIfNeeded: ~((1 << (8 - keep)) - 1))
        var out = self
        out.applyTable((0..<256).map { UInt8($0) & mask })
        return out
    }

    /// ImageOps.solarize: invert every value >= threshold.
    public func solarized(threshold: Double) -> AugImage {
        var out = self
        out.applyTable((0..<256).map { Double($0) < threshold ? UInt8($0) : UInt8(255 - $0) })
        return out
    }

    /// 256-bin histogram of each channel.
    func channelHistograms() -> [[Int]] {
        var hist = [[Int]](repeating: [Int](repeating: 0, count: 256), count: channels)
        let c = channels
        pixels.withUnsafeBufferPointer { px in
            for ch in 0..<c {
                hist[ch].withUnsafeMutableBufferPointer { h in
                    var i = ch
                    while i < px.count { h[Int(px[i])] += 1; i += c }
                }
            }
        }
        return hist
    }
}

private let augIdentityTable: [UInt8] = (0..<256).map { UInt8($0) }

/// Pillow's float-to-byte conversion in filters: clip, then round half up.
@inline(__always)
func augPILClip8(_ v: Float) -> UInt8 {
    if v <= 0 { return 0 }
    if v >= 255 { return 255 }
    return UInt8(v + 0.5)
}
