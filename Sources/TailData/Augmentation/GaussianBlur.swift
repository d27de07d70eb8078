
extension AugImage {
    /// PIL `ImageFilter.GaussianBlur(radius)`: three box-blur passes per axis whose (fractional)
    /// size matches the Gaussian's variance, edges extended.
    public func gaussianBlurred(radius: Double) -> AugImage {
        guard radius > 0 else { return self }
        let box = augBoxRadius(sigma: Float(radius), passes: 3)
        var image = self
        for _ in 0..<3 { image = image.boxBlurredRows(radius: box) }
        image = image.rotatedForBlur()
        for _ in 0..<3 { image = image.boxBlurredRows(radius: box) }
        return image.rotatedForBlur()
    }

    /// Transpose (x, y) -> (y, x), used to blur columns as rows.
    private func rotatedForBlur() -> AugImage {
        let (w, h, c) = (width, height, channels)
        return pixels.withUnsafeBufferPointer { src in
            AugImage.build(width: h, height: w, channels: c) { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        for k in 0..<c { dst[(x * h + y) * c + k] = src[(y * w + x) * c + k] }
                    }
                }
            }
        }
    }

    /// One horizontal pass of Pillow's box blur with fractional radius r = n + f: the
    /// 2n+1 inner pixels weigh ww each and the two outer ones fw, in 8.24 fixed point.
    private func boxBlurredRows(radius: Float) -> AugImage {
        let n = Int(radius)
        let ww = UInt32(Float(1 << 24) / (radius * 2 + 1))
        let fw = ((1 << 24) - UInt32(n * 2 + 1) * ww) / 2
        let (w, h, c) = (width, height, channels)
        return pixels.withUnsafeBufferPointer { src in
            AugImage.build(width: w, height: h, channels: c) { dst in
                for y in 0..<h {
                    let row = y * w * c
                    @inline(__always) func at(_ x: Int, _ k: Int) -> UInt32 {
                        UInt32(src[row + min(max(x, 0), w - 1) * c + k])
                    }
                    for x in 0..<w {
                        for k in 0..<c {
                            var inner: UInt32 = 0
                            for t in (x - n)...(x + n) { inner += at(t, k) }
                            let outer = at(x - n - 1, k) + at(x + n + 1, k)
                            let bulk = inner &* ww &+ outer &* fw
                            dst[row + x * c + k] = UInt8(truncatingIfNeeded: (bulk &+ (1 << 23)) >> 24)
                        }
                    }
                }
            }
        }
    }
}

/// Box radius whose `passes` repetitions have the variance of a Gaussian of this sigma
/// (Gwosdek et al., "Theoretical foundations of Gaussian convolution by extended box filtering").
private func augBoxRadius(sigma: Float, passes: Int) -> Float {
    let sigma2 = sigma * sigma / Float(passes)
    let big = (12 * sigma2 + 1).squareRoot()
    let l = ((big - 1) / 2).rounded(.down)
    var a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2)
    a /= 6 * (sigma2 - (l + 1) * (l + 1))
    return l + a
}
