/// How the border added by a padded crop is filled: `zero` is torchvision's RandomCrop default
/// (imbalanced-semi-self), `reflect` mirrors without repeating the edge pixel (numpy/PIL
/// "reflect", DASO).
public enum AugPadMode: String, Sendable, CaseIterable {
    case zero
    case reflect
}

extension AugImage {
    /// Crops `cropHeight x cropWidth` at (`top`, `left`) of the image padded by `padding` pixels on
    /// every side; offsets are in padded coordinates. The padded image is never materialised.
    public func paddedCrop(padding: Int, mode: AugPadMode, top: Int, left: Int,
                           cropHeight: Int, cropWidth: Int) -> AugImage {
        let (w, h, c) = (width, height, channels)
        return pixels.withUnsafeBufferPointer { src in
            AugImage.build(width: cropWidth, height: cropHeight, channels: c) { dst in
                for y in 0..<cropHeight {
                    let sy = augPadSource(top + y - padding, size: h, mode: mode)
                    for x in 0..<cropWidth {
                        let sx = augPadSource(left + x - padding, size: w, mode: mode)
                        let o = (y * cropWidth + x) * c
                        if sy < 0 || sx < 0 {
                            for k in 0..<c { dst[o + k] = 0 }
                        } else {
                            let s = (sy * w + sx) * c
                            for k in 0..<c { dst[o + k] = src[s + k] }
                        }
                    }
                }
            }
        }
    }

    /// torchvision RandomCrop(size, padding): offsets uniform over every position of the padded image.
    public func randomPaddedCrop(padding: Int, mode: AugPadMode, cropHeight: Int, cropWidth: Int,
                                 using rng: inout SeededGenerator) -> AugImage {
        let top = rng.int(below: max(1, height + 2 * padding - cropHeight + 1))
        let left = rng.int(below: max(1, width + 2 * padding - cropWidth + 1))
        return paddedCrop(padding: padding, mode: mode, top: top, left: left,
                          cropHeight: cropHeight, cropWidth: cropWidth)
    }

    /// Mirror image left to right.
    public func flippedHorizontally() -> AugImage {
        let (w, h, c) = (width, height, channels)
        return pixels.withUnsafeBufferPointer { src in
            AugImage.build(width: w, height: h, channels: c) { dst in
                for y in 0..<h {
                    let row = y * w * c
                    for x in 0..<w {
                        let d = row + x * c, s = row + (w - 1 - x) * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
        }
    }

    /// Flips with probability `p` (torchvision draws `rand() < p`).
    public func randomHorizontalFlip(probability p: Double = 0.5, using rng: inout SeededGenerator) -> AugImage {
        rng.uniform() < p ? flippedHorizontally() : self
    }

    /// A plain crop of a rectangle that lies inside the image.
    public func cropped(top: Int, left: Int, height cropHeight: Int, width cropWidth: Int) -> AugImage {
        guard top >= 0, left >= 0, cropHeight > 0, cropWidth > 0, top + cropHeight <= height, left + cropWidth <= width else {
            return paddedCrop(padding: 0, mode: .zero, top: top, left: left, cropHeight: cropHeight, cropWidth: cropWidth)
        }
        // Inside the image: whole rows copied at once.
        let (w, c, rowBytes) = (width, channels, cropWidth * channels)
        return pixels.withUnsafeBufferPointer { src in
            AugImage.build(width: cropWidth, height: cropHeight, channels: c) { dst in
                for y in 0..<cropHeight {
                    (dst.baseAddress! + y * rowBytes).update(from: src.baseAddress! + ((top + y) * w + left) * c, count: rowBytes)
                }
            }
        }
    }
}

/// Source coordinate of padded coordinate `i` (may be outside 0..<size), or -1 for a zero pixel.
@inline(__always)
private func augPadSource(_ i: Int, size: Int, mode: AugPadMode) -> Int {
    if i >= 0 && i < size { return i }
    switch mode {
    case .zero:
        return -1
    case .reflect:
        guard size > 1 else { return 0 }
        // Reflect about the edge pixels; periodic with period 2(size-1) for pads wider than the image.
        let period = 2 * (size - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < size ? j : period - j
    }
}
