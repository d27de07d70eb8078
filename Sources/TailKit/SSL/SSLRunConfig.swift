import Foundation

/// Everything that decides a semi-supervised run: the common settings (`TrainConfig`, task `ssl`) and
/// the algorithm's (`SSLConfig`), in one flat JSON object in the checkpoint, like the partial-label runs.
///
/// ```swift
/// let run = SSLRunConfig(base: TrainConfig(task: .ssl), ssl: SSLConfig(algorithm: .fixmatch, imbalance: .daso))
/// let same = try SSLRunConfig(json: try run.json())
/// ```
public struct SSLRunConfig: Equatable, Sendable {
    public var base: TrainConfig
    public var ssl: SSLConfig

    public init(base: TrainConfig, ssl: SSLConfig) {
        self.base = base
        self.ssl = ssl
    }

    /// A checkpoint's saved config back.
    public init(json: String) throws {
        base = try TrainConfig(json: json)
        ssl = try JSONDecoder().decode(SSLConfig.self, from: Data(json.utf8))
        guard base.task == .ssl else {
            throw TailKitError.invalidOption("the checkpoint is of a \(base.task.rawValue) run, not a semi-supervised (ssl) run")
        }
    }

    /// Both parts' keys in one JSON object, sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        var merged = try JSONSerialization.jsonObject(with: encoder.encode(base)) as? [String: Any] ?? [:]
        let own = try JSONSerialization.jsonObject(with: encoder.encode(ssl)) as? [String: Any] ?? [:]
        merged.merge(own) { _, new in new }
        let data = try JSONSerialization.data(withJSONObject: merged, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The settings that apply: the common ones (without the epoch-based `epochs`, `schedule` and
    /// `augment`, which an iteration-based run does not use), then the algorithm's.
    /// STL-10's unlabeled set is fixed (all 100,000 images), so `unlabeled-head` and `imb-unlabeled` are
    /// left out and `stl10-ra-first` is shown.
    public func yamlSettings() -> [(String, String)] {
        let stl10 = base.dataset == DatasetName.stl10.rawValue
        let own = ssl.yamlSettings().filter { !(stl10 && ["unlabeled-head", "imb-unlabeled"].contains($0.0)) }
        return base.yamlSettings().filter { !["epochs", "schedule", "augment"].contains($0.0) } + own
            + (stl10 ? [("stl10-ra-first", "\(ssl.stl10RAFirst)")] : [])
    }

    /// The run folder's `config.yaml`.
    public func yaml() -> String { yamlSettings().map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n" }

    public func validate() throws {
        try base.validate()
        try SSLData.checkDataset(try DatasetName(parsing: base.dataset))
        try ssl.validate()
    }
}
