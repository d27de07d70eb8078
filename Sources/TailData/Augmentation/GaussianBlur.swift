import Foundation

/// torchvision `RandomResizedCrop(size, scale, ratio)` on a PIL image: 10 tries at a random
/// area/aspect box, a central fallback, then PIL bilinear resize.
public struct RandomResizedCrop: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var scale: ClosedRange<Double>
    public var ratio: ClosedRange<Double>

    public init(height: Int, width: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)) {
        self.height = height
        self.width = width
        self.scale = scale
        self.ratio = ratio
    }

    /// The crop box (top, left, height, width) torchvision's `get_params` would choose.
    public func box(imageHeight: Int, imageWidth: Int, using rng: inout SeededGenerator) -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(imageHeight * imageWidth)
        let logLo = log(ratio.lowerBound), logHi = log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * rng.uniform())
            let aspect = exp(logLo + (logHi - logLo) * rng.uniform())
            let w = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0 && w <= imageWidth && h > 0 && h <= imageHeight {
                let top = rng.int(below: imageHeight - h + 1)
                let left = rng.int(below: imageWidth - w + 1)
                return (top, left, h, w)
            }
        }
        let inRatio = Double(imageWidth) / Double(imageHeight)
        var w = imageWidth, h = imageHeight
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return ((imageHeight - h) / 2, (imageWidth - w) / 2, h, w)
    }

    public func apply(to image: AugImage, using rng: inout SeededGenerator) -> AugImage {
        let b = box(imageHeight: image.height, imageWidth: image.width, using: &rng)
        return image.cropped(top: b.top, left: b.left, height: b.height, width: b.width)
            .resizedBilinear(width: width, height: height)
    }
}

/// torchvision `ColorJitter(brightness, contrast, saturation, hue)` on PIL images: factors drawn
/// uniformly from [max(0, 1-x), 1+x] (hue from [-h, h]) and applied in a random order.
public struct ColorJitter: Sendable, Equatable {
    public var brightness: Double
    public var contrast: Double
    public var saturation: Double
    public var hue: Double

    public init(brightness: Double = 0.4, contrast: Double = 0.4, saturation: Double = 0.4, hue: Double = 0.1) {
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
    }

    public func apply(to input: AugImage, using rng: inout SeededGenerator) -> AugImage {
        var order = [0, 1, 2, 3]
        rng.shuffle(&order)
        func factor(_ x: Double) -> Double? {
            x > 0 ? max(0, 1 - x) + (1 + x - max(0, 1 - x)) * rng.uniform() : nil
        }
        let b = factor(brightness), c = factor(contrast), s = factor(saturation)
        let h: Double? = hue > 0 ? -hue + 2 * hue * rng.uniform() : nil
        var image = input
        for op in order {
            switch op {
            case 0: if let b { image = image.brightnessAdjusted(b) }
            case 1: if let c { image = image.contrastAdjusted(c) }
            case 2: if let s { image = image.colorAdjusted(s) }
            default: if let h { image = image.hueAdjusted(h) }
            }
        }
        return image
    }
}

extension AugImage {
    /// torchvision `adjust_hue` for PIL: shift PIL's 8-bit HSV hue by int8(hue*255), wrapping.
    public func hueAdjusted(_ hueFactor: Double) -> AugImage {
        guard channels == 3 else { return self }
        let shift = UInt8(truncatingIfNeeded: Int(hueFactor * 255))
        var out = self
        out.pixels.withUnsafeMutableBufferPointer { px in
            var i = 0
            while i + 2 < px.count {
                let (h, s, v) = augRGBToHSV(px[i], px[i + 1], px[i + 2])
                (px[i], px[i + 1], px[i + 2]) = augHSVToRGB(h &+ shift, s, v)
                i += 3
            }
        }
        return out
    }

    /// `RandomGrayscale(p)`: with probability p, luma replicated to every channel.
    public func randomGrayscale(probability p: Double, using rng: inout SeededGenerator) -> AugImage {
        rng.uniform() < p ? grayscaled(outputChannels: channels) : self
    }

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

/// PIL's RGB -> HSV (8 bits each, hue scaled to 0..255), mirroring its float/double mix.
@inline(__always)
private func augRGBToHSV(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (UInt8, UInt8, UInt8) {
    let maxc = max(r, max(g, b)), minc = min(r, min(g, b))
    if maxc == minc { return (0, 0, maxc) }
    let cr = Float(maxc - minc)
    let s = cr / Float(maxc)
    let rc = Float(maxc - r) / cr, gc = Float(maxc - g) / cr, bc = Float(maxc - b) / cr
    var h: Float
    if r == maxc { h = bc - gc } else if g == maxc { h = Float(2.0 + Double(rc) - Double(bc)) } else { h = Float(4.0 + Double(gc) - Double(rc)) }
    h = Float(fmod(Double(h) / 6 + 1, 1))
    return (UInt8(clamping: Int(Double(h) * 255)), UInt8(clamping: Int(Double(s) * 255)), maxc)
}

/// PIL's HSV -> RGB, mirroring its float/double mix.
@inline(__always)
private func augHSVToRGB(_ h: UInt8, _ s: UInt8, _ v: UInt8) -> (UInt8, UInt8, UInt8) {
    if s == 0 { return (v, v, v) }
    let hd = Double(h) * 6 / 255
    let i = Int(hd.rounded(.down))
    let f = Float(hd - Double(i))
    let fs = Float(Double(s) / 255)
    let vd = Double(v)
    let p = UInt8(clamping: Int((vd * (1 - Double(fs))).rounded()))
    let q = UInt8(clamping: Int((vd * (1 - Double(fs * f))).rounded()))
    let t = UInt8(clamping: Int((vd * (1 - Double(fs) * (1 - Double(f)))).rounded()))
    switch i % 6 {
    case 0: return (v, t, p)
    case 1: return (q, v, p)
    case 2: return (p, v, t)
    case 3: return (p, q, v)
    case 4: return (t, p, v)
    default: return (v, p, q)
    }
}
