import Foundation

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
