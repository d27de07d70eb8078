import Torch

/// Weights a run starts from (`--pretrained`): a pre-training or first-stage checkpoint, with the
/// architecture it names (empty when the file does not say) and where it came from, for messages.
public struct InitialWeights {
    public var source: String
    public var arch: String
    public var weights: [(String, Tensor)]

    public init(source: String, arch: String = "", weights: [(String, Tensor)]) {
        self.source = source
        self.arch = arch
        self.weights = weights
    }

    /// Any checkpoint TailKit reads: its own, a bare state dict, or a reference checkpoint.
    public static func read(from path: String) throws -> InitialWeights {
        let file = try Checkpoint.read(from: path)
        return InitialWeights(source: path, arch: file.arch, weights: file.stateDict)
    }
}
