import Foundation

/// A PIL affine tuple (a, b, c, d, e, f): output pixel (x, y) samples the input at
/// (a x + b y + c, d x + e y + f), measured from pixel centres.
public struct AugAffine: Sendable, Equatable {
    public var a, b, c, d, e, f: Double
    public init(_ a: Double, _ b: Double, _ c: Double, _ d: Double, _ e: Double, _ f: Double) {
        (self.a, self.b, self.c, self.d, self.e, self.f) = (a, b, c, d, e, f)
    }
}

/// Geometric transforms with Pillow's sampling rules: nearest-neighbour affine (including its
/// 16.16 fixed-point fast path), `rotate`, and the separable antialiased bilinear `resize`.
extension AugImage {
    /// `Image.transform(size, AFFINE, m, NEAREST, fillcolor=fill)` keeping the size.
    public func affineTransformed(_ m: AugAffine, fill: [UInt8] = []) -> AugImage {
        var out = AugImage(width: width, height: height, channels: channels)
        if !fill.isEmpty { out.fillRectangle(x0: 0, y0: 0, x1: width - 1, y1: height - 1, fill: fill) }
        let (w, h, c) = (width, height, channels)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                @inline(__always) func copy(_ x: Int, _ y: Int, _ xin: Int, _ yin: Int) {
                    let o = (y * w + x) * c, s = (yin * w + xin) * c
                    for k in 0..<c { dst[o + k] = src[s + k] }
                }
                if m.b == 0 && m.d == 0 {
                    augScaleAffine(m, w, h, copy)
                } else if augFitsFixedPoint(m, w, h) {
                    augFixedAffine(m, w, h, copy)
                } else {
                    augFloatAffine(m, w, h, copy)
                }
            }
        }
        return out
    }

    /// `Image.rotate(degrees)`: counter-clockwise about the centre, nearest, same size.
    public func rotated(degrees: Double, fill: [UInt8] = []) -> AugImage {
        var angle = degrees.truncatingRemainder(dividingBy: 360)
        if angle < 0 { angle += 360 }
        if angle == 0 { return self }
        if angle == 180 { return rotated90(times: 2) }
        if width == height && angle == 90 { return rotated90(times: 1) }
        if width == height && angle == 270 { return rotated90(times: 3) }
        let theta = -angle * Double.pi / 180
        @inline(__always) func round15(_ v: Double) -> Double { (v * 1e15).rounded() / 1e15 }
        let a = round15(cos(theta)), b = round15(sin(theta))
        let d = round15(-sin(theta)), e = round15(cos(theta))
        let cx = Double(width) / 2, cy = Double(height) / 2
        let c = a * -cx + b * -cy + cx
        let f = d * -cx + e * -cy + cy
        return affineTransformed(AugAffine(a, b, c, d, e, f), fill: fill)
    }

    /// `Image.resize((width, height), BILINEAR)`: `resized(width:height:filter: .bilinear)`.
    public func resizedBilinear(width outW: Int, height outH: Int) -> AugImage {
        resized(width: outW, height: outH, filter: .bilinear)
    }

    /// `Image.resize((width, height), BILINEAR or BICUBIC)`: the filter (`ResizeFilter`) widened by
    /// the downscale factor (antialias), one separable pass per axis that changes, 22-bit
    /// fixed-point weights, each pass rounding (and, for bicubic's negative lobes, clipping) to bytes. The order of the passes is Pillow's (13.0, `ImagingResampleInner`): the
    /// vertical pass runs first when the height shrinks by more than twice as many pixels as the width
    /// (h - outH > 0 and h - outH > 2 (w - outW)), else the horizontal pass runs first, on only the rows
    /// the vertical pass reads. (Pillow before 13 always ran the horizontal pass first; where the order
    /// changed, pixels can differ by 1.)
    public func resized(width outW: Int, height outH: Int, filter: ResizeFilter) -> AugImage {
        if outW == width && outH == height { return self }
        let horizontal = AugResampleCoefficients(inSize: width, outSize: outW, filter: filter)
        let vertical = AugResampleCoefficients(inSize: height, outSize: outH, filter: filter)
        let shrinkY = height - outH, shrinkX = width - outW
        if shrinkY > 0 && shrinkY > shrinkX * 2 {
            let rows = resampledVertically(vertical, outHeight: outH, rowOffset: 0)
            return outW != width ? rows.resampledHorizontally(horizontal, outWidth: outW, rows: outH, rowOffset: 0) : rows
        }
        guard outW != width else { return resampledVertically(vertical, outHeight: outH, rowOffset: 0) }
        // Only the rows the vertical pass reads are resampled, as Pillow does.
        let first = vertical.bounds[0]
        let last = vertical.bounds[2 * (outH - 1)] + vertical.bounds[2 * (outH - 1) + 1]
        let wide = resampledHorizontally(horizontal, outWidth: outW, rows: last - first, rowOffset: first)
        return outH != height ? wide.resampledVertically(vertical, outHeight: outH, rowOffset: first) : wide
    }

    /// Pillow's horizontal 8-bit pass over `rows` rows starting at input row `rowOffset`. RGB
    /// accumulates its three channels in one walk over the taps, as Pillow's 4-byte pixels do.
    private func resampledHorizontally(_ h: AugResampleCoefficients, outWidth outW: Int, rows: Int, rowOffset: Int) -> AugImage {
        let (w, c, k) = (width, channels, h.kernelSize)
        return pixels.withUnsafeBufferPointer { src in
            h.bounds.withUnsafeBufferPointer { bounds in
                h.weights.withUnsafeBufferPointer { weights in
                    AugImage.build(width: outW, height: rows, channels: c) { dst in
                        for y in 0..<rows {
                            let srcRow = src.baseAddress! + (y + rowOffset) * w * c
                            let dstRow = dst.baseAddress! + y * outW * c
                            for x in 0..<outW {
                                let first = srcRow + bounds[2 * x] * c, n = bounds[2 * x + 1]
                                let taps = weights.baseAddress! + x * k
                                if c == 3 {
                                    augResampleRGB(first, taps, n, dstRow + 3 * x)
                                } else {
                                    for ch in 0..<c {
                                        var acc: Int32 = 1 << 21
                                        for t in 0..<n { acc &+= Int32(first[t * c + ch]) &* taps[t] }
                                        dstRow[x * c + ch] = augResampleClip(acc)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Pillow's vertical 8-bit pass; `rowOffset` is the input row this image's first row stands for.
    /// Each output row accumulates whole input rows (tap by tap) in 32-bit sums, which the compiler
    /// vectorises; the sums are the same as Pillow's tap-inner loop, integer addition being exact.
    private func resampledVertically(_ v: AugResampleCoefficients, outHeight: Int, rowOffset: Int) -> AugImage {
        let (rowLength, k) = (width * channels, v.kernelSize)
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, rowLength))
        defer { sums.deallocate() }
        return pixels.withUnsafeBufferPointer { src in
            v.bounds.withUnsafeBufferPointer { bounds in
                v.weights.withUnsafeBufferPointer { weights in
                    AugImage.build(width: width, height: outHeight, channels: channels) { dst in
                        for y in 0..<outHeight {
                            let lo = bounds[2 * y] - rowOffset, n = bounds[2 * y + 1]
                            sums.update(repeating: 1 << 21, count: rowLength)
                            for t in 0..<n {
                                let row = src.baseAddress! + (lo + t) * rowLength, weight = weights[y * k + t]
                                for i in 0..<rowLength { sums[i] &+= Int32(row[i]) &* weight }
                            }
                            let out = dst.baseAddress! + y * rowLength
                            for i in 0..<rowLength { out[i] = augResampleClip(sums[i]) }
                        }
                    }
                }
            }
        }
    }
}

/// One RGB output pixel of the horizontal pass: n taps from `first` (3 bytes apart).
@inline(__always)
private func augResampleRGB(_ first: UnsafePointer<UInt8>, _ taps: UnsafePointer<Int32>, _ n: Int, _ out: UnsafeMutablePointer<UInt8>) {
    var r: Int32 = 1 << 21, g: Int32 = 1 << 21, b: Int32 = 1 << 21
    var p = first
    for t in 0..<n {
        let weight = taps[t]
        r &+= Int32(p[0]) &* weight
        g &+= Int32(p[1]) &* weight
        b &+= Int32(p[2]) &* weight
        p += 3
    }
    out[0] = augResampleClip(r)
    out[1] = augResampleClip(g)
    out[2] = augResampleClip(b)
}

/// Pillow's `precompute_coeffs` for a filter, normalised to 22-bit integers.
private struct AugResampleCoefficients {
    var bounds: [Int]       // (first input index, tap count) per output index
    var weights: [Int32]    // kernelSize taps per output index
    var kernelSize: Int

    init(inSize: Int, outSize: Int, filter: ResizeFilter) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        kernelSize = Int(support.rounded(.up)) * 2 + 1
        bounds = [Int](repeating: 0, count: 2 * outSize)
        weights = [Int32](repeating: 0, count: outSize * kernelSize)
        var taps = [Double](repeating: 0, count: kernelSize)
        let ss = 1.0 / filterScale
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let xmin = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<count {
                taps[x] = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                total += taps[x]
            }
            for x in 0..<count {
                let k = total != 0 ? taps[x] / total : taps[x]
                let scaled = k * Double(1 << 22)
                weights[xx * kernelSize + x] = Int32(k < 0 ? scaled - 0.5 : scaled + 0.5)
            }
            bounds[2 * xx] = xmin
            bounds[2 * xx + 1] = count
        }
    }
}

@inline(__always)
private func augResampleClip(_ acc: Int32) -> UInt8 {
    if acc >= (1 << 30) { return 255 }
    if acc <= 0 { return 0 }
    return UInt8(acc >> 22)
}

/// PIL's COORD(): negative coordinates are outside, others truncate.
@inline(__always)
private func augCoord(_ v: Double) -> Int { v < 0 ? -1 : Int(v) }

/// Pure scale/translate path (`ImagingScaleAffine`), in doubles.
@inline(__always)
private func augScaleAffine(_ m: AugAffine, _ w: Int, _ h: Int, _ copy: (Int, Int, Int, Int) -> Void) {
    var xin = [Int](repeating: -1, count: w)
    var xo = m.c + m.a * 0.5
    for x in 0..<w {
        let v = augCoord(xo)
        if v >= 0 && v < w { xin[x] = v }
        xo += m.a
    }
    var yo = m.f + m.e * 0.5
    for y in 0..<h {
        let yi = augCoord(yo)
        if yi >= 0 && yi < h {
            for x in 0..<w where xin[x] >= 0 { copy(x, y, xin[x], yi) }
        }
        yo += m.e
    }
}

/// Pillow uses 16.16 fixed point when every corner maps within +-32768.
private func augFitsFixedPoint(_ m: AugAffine, _ w: Int, _ h: Int) -> Bool {
    for (x, y) in [(0, 0), (w, h), (0, h), (w, 0)] {
        let xs = Double(x), ys = Double(y)
        if abs(m.a * xs + m.b * ys + m.c) >= 32768 || abs(m.d * xs + m.e * ys + m.f) >= 32768 { return false }
    }
    return true
}

@inline(__always)
private func augFixed(_ v: Double) -> Int32 { Int32(truncatingIfNeeded: Int((v * 65536 + 0.5).rounded(.down))) }

@inline(__always)
private func augFixedAffine(_ m: AugAffine, _ w: Int, _ h: Int, _ copy: (Int, Int, Int, Int) -> Void) {
    let a0 = augFixed(m.a), a1 = augFixed(m.b), a3 = augFixed(m.d), a4 = augFixed(m.e)
    var a2 = augFixed(m.c + m.a * 0.5 + m.b * 0.5)
    var a5 = augFixed(m.f + m.d * 0.5 + m.e * 0.5)
    for y in 0..<h {
        var xx = a2, yy = a5
        for x in 0..<w {
            let xin = Int(xx >> 16)
            if xin >= 0 && xin < w {
                let yin = Int(yy >> 16)
                if yin >= 0 && yin < h { copy(x, y, xin, yin) }
            }
            xx &+= a0
            yy &+= a3
        }
        a2 &+= a1
        a5 &+= a4
    }
}

@inline(__always)
private func augFloatAffine(_ m: AugAffine, _ w: Int, _ h: Int, _ copy: (Int, Int, Int, Int) -> Void) {
    var xo = m.c + m.b * 0.5 + m.a * 0.5
    var yo = m.f + m.e * 0.5 + m.d * 0.5
    for y in 0..<h {
        var xx = xo, yy = yo
        for x in 0..<w {
            let xin = augCoord(xx)
            if xin >= 0 && xin < w {
                let yin = augCoord(yy)
                if yin >= 0 && yin < h { copy(x, y, xin, yin) }
            }
            xx += m.a
            yy += m.d
        }
        xo += m.b
        yo += m.e
    }
}
