/// The antialiased filters of Pillow's `Image.resize` that TailKit reproduces (Pillow's
/// `libImaging/Resample.c`): each is a kernel k(x) of support s, widened by the downscale factor
/// f = max(in / out, 1) so that a shrink averages every input pixel it covers:
///
/// - `bilinear` (`Image.BILINEAR`, torchvision's default for RandomResizedCrop and Resize, so the
///   reference's): the triangle k(x) = max(0, 1 − |x|), s = 1;
/// - `bicubic` (`Image.BICUBIC`): Keys' cubic with a = −0.5, s = 2:
///   k(x) = (a + 2)|x|³ − (a + 3)|x|² + 1 for |x| < 1, a(|x|³ − 5|x|² + 8|x| − 4) for 1 ≤ |x| < 2, else 0.
///
/// ```swift
/// let small = image.resized(width: 224, height: 224, filter: .bicubic)
/// ```
public enum ResizeFilter: String, Sendable, CaseIterable, Codable {
    case bilinear
    case bicubic

    /// The kernel's half-width before widening.
    var support: Double {
        switch self {
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    /// k(x), Pillow's `bilinear_filter` / `bicubic_filter`.
    func weight(_ x: Double) -> Double {
        let t = abs(x)
        switch self {
        case .bilinear:
            return t < 1 ? 1 - t : 0
        case .bicubic:
            let a = -0.5
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        }
    }
}
