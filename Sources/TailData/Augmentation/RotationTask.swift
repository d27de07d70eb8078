/// The 4-way rotation task (rotation self-supervision in imbalanced-semi-self, ReMixMatch's
/// rotation loss in DASO): image rotated by k x 90 degrees counter-clockwise, target k, as
/// `torch.rot90(x, k, dims=(H, W))` does.
extension AugImage {
    /// Rotation by `times` x 90 degrees counter-clockwise (any integer, taken mod 4).
    public func rotated90(times: Int) -> AugImage {
        let k = ((times % 4) + 4) % 4
        if k == 0 { return self }
        let (w, h, c) = (width, height, channels)
        let (ow, oh) = k == 2 ? (w, h) : (h, w)
        return pixels.withUnsafeBufferPointer { src in
            AugImage.build(width: ow, height: oh, channels: c) { dst in
                for y in 0..<oh {
                    for x in 0..<ow {
                        let (sx, sy) = augRotationSource(k: k, x: x, y: y, width: w, height: h)
                        let o = (y * ow + x) * c, s = (sy * w + sx) * c
                        for ch in 0..<c { dst[o + ch] = src[s + ch] }
                    }
                }
            }
        }
    }
}

/// Rotation helpers for batches that are already normalised floats (rotating after
/// normalisation equals normalising the rotated image, since normalisation is per channel).
public enum RotationTask {
    /// The labels imbalanced-semi-self uses: a random permutation of {0,1,2,3} repeated
    /// floor(n/4)+1 times, truncated to n, so the four rotations are near-balanced.
    public static func balancedLabels(count n: Int, using rng: inout SeededGenerator) -> [Int] {
        var labels = (0..<(4 * (n / 4 + 1))).map { $0 % 4 }
        rng.shuffle(&labels)
        return Array(labels.prefix(n))
    }

    /// Independent uniform rotation labels (ReMixMatch style).
    public static func uniformLabels(count n: Int, using rng: inout SeededGenerator) -> [Int] {
        (0..<n).map { _ in rng.int(below: 4) }
    }

    /// Rotates every square image of an N x C x S x S float batch by `labels[i]` x 90 degrees.
    public static func rotateSquareBatch(_ data: inout [Float], channels: Int, size: Int, labels: [Int]) throws {
        let plane = size * size
        guard data.count == labels.count * channels * plane else {
            throw DataError.invalidArgument("rotation: batch holds \(data.count) floats, expected \(labels.count) x \(channels) x \(size) x \(size)")
        }
        var scratch = [Float](repeating: 0, count: plane)
        data.withUnsafeMutableBufferPointer { buf in
            scratch.withUnsafeMutableBufferPointer { tmp in
                for (i, label) in labels.enumerated() {
                    let k = ((label % 4) + 4) % 4
                    if k == 0 { continue }
                    for ch in 0..<channels {
                        let base = (i * channels + ch) * plane
                        for p in 0..<plane { tmp[p] = buf[base + p] }
                        for y in 0..<size {
                            for x in 0..<size {
                                let (sx, sy) = augRotationSource(k: k, x: x, y: y, width: size, height: size)
                                buf[base + y * size + x] = tmp[sy * size + sx]
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Input pixel read by output pixel (x, y) of a k x 90 degree counter-clockwise rotation
/// of a `width x height` input.
@inline(__always)
func augRotationSource(k: Int, x: Int, y: Int, width: Int, height: Int) -> (Int, Int) {
    switch k {
    case 1: return (width - 1 - y, x)
    case 2: return (width - 1 - x, height - 1 - y)
    case 3: return (y, height - 1 - x)
    default: return (x, y)
    }
}
