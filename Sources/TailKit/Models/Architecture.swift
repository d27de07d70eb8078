import Torch
import TorchNN

/// The networks `--arch` can name.
///
/// ```swift
/// let arch = try Architecture(parsing: "resnet32")
/// let model = try arch.make(numClasses: 10, inChannels: 3, normedClassifier: false)
/// ```
public enum Architecture: String, NamedChoice, Codable, Sendable {
    /// The CIFAR ResNets with option-A shortcuts of imbalanced-semi-self's `models/resnet_cifar.py`
    /// (Yang & Xu, NeurIPS 2020).
    case resnet20, resnet32, resnet56
    /// RECORDS' CIFAR ResNet-18 (3x3 stem, no max-pool; RECORDS-LTPLL's `models/resnet.py`, Hong et
    /// al., ICLR 2023).
    case resnet18
    /// DASO's WRN-28-2 (LeakyReLU 0.1; daso's `lib/models/wrn.py`, Oh et al., CVPR 2022).
    case wrn28_2 = "wrn28-2"
    /// ResNet-50 for ImageNet-LT / iNaturalist.
    case resnet50

    public static let choiceKind = "arch"
    public static let choiceKindPlural = "architectures"

    /// A freshly initialised network; `inChannels` follows the dataset (1 for Fashion-MNIST).
    /// `normedClassifier` (LDAM's cosine head) exists for the reference's CIFAR ResNets only.
    public func make(numClasses: Int, inChannels: Int, normedClassifier: Bool) throws -> any ClassifierModel {
        if normedClassifier && ![.resnet20, .resnet32, .resnet56].contains(self) {
            throw TailKitError.invalidOption("the cosine classifier of LDAM is built for resnet20/32/56 (the reference's); \(rawValue) has a linear head")
        }
        switch self {
        case .resnet20, .resnet32, .resnet56:
            let blocks = self == .resnet20 ? 3 : (self == .resnet32 ? 5 : 9)
            return try ResNetCIFAR(blocksPerStage: blocks, numClasses: numClasses, inChannels: inChannels,
                                   normedClassifier: normedClassifier)
        case .resnet18:
            return try ResNet18CIFAR(numClasses: numClasses, inChannels: inChannels)
        case .wrn28_2:
            return try WideResNet(numClasses: numClasses, width: 2, inChannels: inChannels)
        case .resnet50:
            return try ResNetImageNet(numClasses: numClasses, inChannels: inChannels)
        }
    }
}
