/// Per-channel normalisation `(x/255 - mean) / std`, computed in Float32 as torchvision's
/// ToTensor + Normalize do, and written as planar CHW floats.
public struct ImageNormalization: Sendable, Equatable {
    public var mean: [Double]
    public var std: [Double]
    /// 256 floats per channel: the normalised value of every byte, so normalising is a lookup.
    private var table: [Float]

    public init(mean: [Double], std: [Double]) throws {
        guard !mean.isEmpty, mean.count == std.count else {
            throw DataError.invalidArgument("normalisation: \(mean.count) means but \(std.count) standard deviations")
        }
        guard std.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw DataError.invalidArgument("normalisation: standard deviations must be positive, got \(std)")
        }
        self.init(constant: mean, std)
    }

    /// Used directly only for the built-in tables, which are valid by construction.
    private init(constant mean: [Double], _ std: [Double]) {
        self.mean = mean
        self.std = std
        var t = [Float](repeating: 0, count: 256 * mean.count)
        for c in 0..<mean.count {
            let m = Float(mean[c]), s = Float(std[c])
            for v in 0..<256 { t[c * 256 + v] = (Float(v) / 255 - m) / s }
        }
        table = t
    }

    public var channels: Int { mean.count }

    /// Writes `image` as C x H x W floats at `out` (which must hold channels * width * height).
    public func normalize(_ image: AugImage, into out: UnsafeMutablePointer<Float>) {
        let c = image.channels, plane = image.pixelCount
        precondition(c == channels, "normalisation for \(channels) channels applied to a \(c)-channel image")
        table.withUnsafeBufferPointer { lut in
            image.pixels.withUnsafeBufferPointer { px in
                if c == 3 {
                    let l0 = lut.baseAddress!, l1 = l0 + 256, l2 = l0 + 512
                    let o0 = out, o1 = out + plane, o2 = out + 2 * plane
                    for i in 0..<plane {
                        o0[i] = l0[Int(px[3 * i])]
                        o1[i] = l1[Int(px[3 * i + 1])]
                        o2[i] = l2[Int(px[3 * i + 2])]
                    }
                } else {
                    for ch in 0..<c {
                        let l = lut.baseAddress! + ch * 256, o = out + ch * plane
                        for i in 0..<plane { o[i] = l[Int(px[i * c + ch])] }
                    }
                }
            }
        }
    }

    /// The normalised CHW floats of `image` as a new array.
    public func normalized(_ image: AugImage) -> [Float] {
        [Float](unsafeUninitializedCapacity: image.pixels.count) { buf, n in
            if let base = buf.baseAddress { normalize(image, into: base) }
            n = image.pixels.count
        }
    }

    // MARK: Constants of each codebase (they differ on purpose: each reproduces its own reference)

    /// Only x/255 (mean 0, std 1), for any channel count.
    public static func unit(channels: Int) -> ImageNormalization {
        ImageNormalization(constant: [Double](repeating: 0, count: channels), [Double](repeating: 1, count: channels))
    }
    /// imbalanced-semi-self CIFAR-10/100 (also its rotation pre-training for every dataset).
    public static let issCIFAR = ImageNormalization(constant: [0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010])
    /// imbalanced-semi-self SVHN.
    public static let issSVHN = ImageNormalization(constant: [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    /// RECORDS CIFAR-10 training views.
    public static let recordsCIFAR10 = ImageNormalization(constant: [0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261])
    /// RECORDS CIFAR-100 views and every RECORDS test set (CIFAR-10's included, as shipped).
    public static let recordsCIFAR100 = ImageNormalization(constant: [0.5071, 0.4867, 0.4408], [0.2675, 0.2565, 0.2761])
    /// DASO CIFAR-10 (and STL-10, which reuses these values).
    public static let dasoCIFAR10 = ImageNormalization(constant: [0.4914, 0.4822, 0.4465], [0.2471, 0.2435, 0.2616])
    /// DASO CIFAR-100.
    public static let dasoCIFAR100 = ImageNormalization(constant: [0.5071, 0.4865, 0.4409], [0.2673, 0.2564, 0.2762])
    /// DASO STL-10 (CIFAR-10 values).
    public static let dasoSTL10 = dasoCIFAR10
    /// Fashion-MNIST (1 channel).
    public static let fashionMNIST = ImageNormalization(constant: [0.2860], [0.3530])
    /// ImageNet / ImageNet-LT.
    public static let imageNet = ImageNormalization(constant: [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    /// iNaturalist 2018.
    public static let iNat2018 = ImageNormalization(constant: [0.466, 0.471, 0.380], [0.195, 0.194, 0.192])

    /// Looks a table up by name (`iss-cifar`, `iss-svhn`, `records-cifar10`, `records-cifar100`,
    /// `daso-cifar10`, `daso-cifar100`, `daso-stl10`, `fashion-mnist`, `imagenet`, `inat2018`).
    public static func named(_ name: String) throws -> ImageNormalization {
        switch name.lowercased() {
        case "iss-cifar", "iss-cifar10", "iss-cifar100": return issCIFAR
        case "iss-svhn", "svhn": return issSVHN
        case "records-cifar10": return recordsCIFAR10
        case "records-cifar100": return recordsCIFAR100
        case "daso-cifar10": return dasoCIFAR10
        case "daso-cifar100": return dasoCIFAR100
        case "daso-stl10", "stl10": return dasoSTL10
        case "fashion-mnist", "fashionmnist": return fashionMNIST
        case "imagenet", "imagenet-lt": return imageNet
        case "inat", "inat2018": return iNat2018
        default:
            throw DataError.invalidArgument("unknown normalisation '\(name)' (known: iss-cifar, iss-svhn, records-cifar10, records-cifar100, daso-cifar10, daso-cifar100, daso-stl10, fashion-mnist, imagenet, inat2018)")
        }
    }
}
