/// The data a checkpoint holds: tensors inside dicts, lists and tuples, plus plain numbers and strings.
public indirect enum TorchValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tensor(StoredTensor)
    case list([TorchValue])
    case tuple([TorchValue])
    /// `ordered` marks a `collections.OrderedDict` (what `state_dict()` returns) rather than a plain dict.
    case dict([Entry], ordered: Bool)

    public struct Entry: Sendable, Equatable {
        public var key: TorchValue
        public var value: TorchValue
        public init(_ key: TorchValue, _ value: TorchValue) {
            self.key = key
            self.value = value
        }
    }

    /// A state dict: an OrderedDict from parameter names to tensors, in the given order.
    public static func stateDict(_ tensors: [(String, StoredTensor)]) -> TorchValue {
        .dict(tensors.map { Entry(.string($0.0), .tensor($0.1)) }, ordered: true)
    }

    /// The value under a string key of a dict.
    public subscript(key: String) -> TorchValue? {
        guard case .dict(let entries, _) = self else { return nil }
        return entries.first { $0.key == .string(key) }?.value
    }

    public var tensor: StoredTensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }
}
