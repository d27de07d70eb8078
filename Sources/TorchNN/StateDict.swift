import Torch

/// What went wrong matching a state dict to a model, key by key.
public struct StateDictMismatch: Error, CustomStringConvertible, Equatable {
    public var missingKeys: [String]
    public var unexpectedKeys: [String]
    public var shapeMismatches: [String]

    public var isEmpty: Bool { missingKeys.isEmpty && unexpectedKeys.isEmpty && shapeMismatches.isEmpty }

    public var description: String {
        var lines = ["state dict does not match the model:"]
        if !missingKeys.isEmpty { lines.append("  missing keys: \(missingKeys.joined(separator: ", "))") }
        if !unexpectedKeys.isEmpty { lines.append("  unexpected keys: \(unexpectedKeys.joined(separator: ", "))") }
        if !shapeMismatches.isEmpty { lines.append("  shape mismatches: \(shapeMismatches.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }
}

extension Module {
    /// Copies values from `state` into this module's parameters and buffers.
    ///
    /// With `strict`, any missing key, unexpected key or shape difference throws a
    /// `StateDictMismatch` naming every offending key, and nothing is changed. Without it, the keys
    /// that match are loaded and the mismatch is returned so that callers can report it
    /// (e.g. loading a pre-trained backbone without its classifier).
    @discardableResult
    public func loadStateDict(_ state: [(String, Tensor)], strict: Bool = true) throws -> StateDictMismatch {
        let mine = stateDict()
        let given = Dictionary(state, uniquingKeysWith: { _, last in last })
        let mineNames = Set(mine.map { $0.0 })
        var mismatch = StateDictMismatch(missingKeys: [], unexpectedKeys: [], shapeMismatches: [])
        var matches: [(Tensor, Tensor)] = []
        for (name, target) in mine {
            guard let source = given[name] else { mismatch.missingKeys.append(name); continue }
            if source.shape != target.shape {
                mismatch.shapeMismatches.append("\(name) (model \(target.shape), file \(source.shape))")
            } else {
                matches.append((target, source))
            }
        }
        mismatch.unexpectedKeys = state.map { $0.0 }.filter { !mineNames.contains($0) }
        if strict && !mismatch.isEmpty { throw mismatch }
        for (target, source) in matches {
            try target.copy(from: source.dtype == target.dtype ? source : source.to(target.dtype))
        }
        return mismatch
    }
}
