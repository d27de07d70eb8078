import Torch
import TorchNN

/// The networks `--arch` can name.
public enum Architecture: String, CaseIterable, Codable, Sendable {
    case resnet32
    case resnet20
    case resnet56

    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public init(parsing text: String) throws {
        guard let arch = Architecture(rawValue: text.lowercased()) else {
            throw TailKitError.invalidOption("unknown arch '\(text)'; valid architectures: \(Architecture.validNames)")
        }
        self = arch
    }

    /// A freshly initialised network; `inChannels` follows the dataset (1 for Fashion-MNIST).
    public func make(numClasses: Int, inChannels: Int, normedClassifier: Bool) throws -> ResNetCIFAR {
        let blocks: Int
        switch self {
        case .resnet20: blocks = 3
        case .resnet32: blocks = 5
        case .resnet56: blocks = 9
        }
        return try ResNetCIFAR(blocksPerStage: blocks, numClasses: numClasses, inChannels: inChannels,
                               normedClassifier: normedClassifier)
    }
}
