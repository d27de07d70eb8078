/// Cutout as the two codebases implement it with PIL's `ImageDraw.rectangle`, whose corner
/// coordinates are truncated to integers and are both inclusive (a "16 px" box covers 17 px
/// when it is not clipped).
extension AugImage {
    /// DASO/FixMatch gray fill.
    public static let dasoCutoutFill: [UInt8] = [127, 127, 127]
    /// RECORDS (FixMatch `CutoutAbs`) fill.
    public static let recordsCutoutFill: [UInt8] = [125, 123, 114]

    /// Fills the rectangle with inclusive corners (x0, y0)-(x1, y1), clipped to the image.
    /// `fill[c]` colours channel c (the first entry is used for channels beyond the list).
    public mutating func fillRectangle(x0: Int, y0: Int, x1: Int, y1: Int, fill: [UInt8]) {
        let xa = max(0, x0), ya = max(0, y0)
        let xb = min(width - 1, x1), yb = min(height - 1, y1)
        guard xa <= xb, ya <= yb else { return }
        let (w, c) = (width, channels)
        let colour = (0..<c).map { $0 < fill.count ? fill[$0] : (fill.first ?? 0) }
        pixels.withUnsafeMutableBufferPointer { px in
            for y in ya...yb {
                for x in xa...xb {
                    let o = (y * w + x) * c
                    for k in 0..<c { px[o + k] = colour[k] }
                }
            }
        }
    }

    /// DASO's Cutout: centre uniform over the image, box of `size` px starting at
    /// int(max(0, centre - size/2)), end int(min(W, start + size)) inclusive.
    public mutating func fixedCutout(size: Int = 16, fill: [UInt8] = AugImage.dasoCutoutFill,
                                     using rng: inout SeededGenerator) {
        let cx = rng.uniform() * Double(width)
        let cy = rng.uniform() * Double(height)
        let half = Double(size) / 2
        let x0 = Int(max(0, cx - half)), y0 = Int(max(0, cy - half))
        let x1 = Int(min(Double(width), Double(x0 + size)))
        let y1 = Int(min(Double(height), Double(y0 + size)))
        fillRectangle(x0: x0, y0: y0, x1: x1, y1: y1, fill: fill)
    }

    /// RECORDS' Cutout: side = U(0,1) * 0.5 * width (skipped when 0); the centre is drawn as
    /// `np.random.uniform(w)`, i.e. uniform between w and 1, reproduced as shipped [quirk].
    public mutating func randomSizeCutout(maxFraction: Double = 0.5, fill: [UInt8] = AugImage.recordsCutoutFill,
                                          using rng: inout SeededGenerator) {
        let side = rng.uniform() * maxFraction * Double(width)
        guard side > 0 else { return }
        let w = Double(width), h = Double(height)
        let cx = w + (1 - w) * rng.uniform()
        let cy = h + (1 - h) * rng.uniform()
        let x0 = Int(max(0, cx - side / 2)), y0 = Int(max(0, cy - side / 2))
        let x1 = Int(min(w, Double(x0) + side)), y1 = Int(min(h, Double(y0) + side))
        fillRectangle(x0: x0, y0: y0, x1: x1, y1: y1, fill: fill)
    }
}
