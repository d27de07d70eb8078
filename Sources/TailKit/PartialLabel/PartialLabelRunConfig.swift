import Foundation

/// Everything that decides a partial-label run: the common settings (`TrainConfig`, task `pll`) and
/// the method's (`PartialLabelConfig`). Both read the same flat keys, so `config.yaml` and a
/// checkpoint's saved config hold one object.
///
/// ```swift
/// let run = PartialLabelRunConfig(base: TrainConfig(task: .pll), pll: PartialLabelConfig(method: .solar))
/// let same = try PartialLabelRunConfig(json: try run.json())
/// ```
public struct PartialLabelRunConfig: Equatable, Sendable {
    public var base: TrainConfig
    public var pll: PartialLabelConfig

    public init(base: TrainConfig, pll: PartialLabelConfig) {
        self.base = base
        self.pll = pll
    }

    /// A checkpoint's saved config back.
    public init(json: String) throws {
        base = try TrainConfig(json: json)
        pll = try JSONDecoder().decode(PartialLabelConfig.self, from: Data(json.utf8))
        guard base.task == .pll else {
            throw TailKitError.invalidOption("the checkpoint is of a \(base.task.rawValue) run, not a partial-label (pll) run")
        }
    }

    /// Both parts' keys in one JSON object, sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        var merged = try JSONSerialization.jsonObject(with: encoder.encode(base)) as? [String: Any] ?? [:]
        let own = try JSONSerialization.jsonObject(with: encoder.encode(pll)) as? [String: Any] ?? [:]
        merged.merge(own) { _, new in new }
        let data = try JSONSerialization.data(withJSONObject: merged, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The run folder's `config.yaml`: the common settings, then the method's.
    public func yaml() -> String {
        (base.yamlSettings() + pll.yamlSettings()).map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n"
    }

    public func validate() throws {
        try base.validate()
        try pll.validate()
    }
}
