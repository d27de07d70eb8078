import Foundation

/// One `period` line of `log.jsonl`, flattened for the page: every number becomes a named curve,
/// every per-class list a named vector, whatever task wrote it, so that a new metric
/// (`mask_ratio`, `candidate_set_size`, `pseudo_label_precision`, ...) shows without dashboard changes.
///
/// Names are the JSON path with the `scalars` / `vectors` / `matrices` levels of `Metrics` left out:
/// `{"train":{"loss":1.2},"eval":{"scalars":{"top1":40},"vectors":{"per_class":[..]}}}` gives scalars
/// `train/loss`, `eval/top1` and vector `eval/per_class`. Matrices (the confusion matrix) are only
/// named here; the page reads them from the line itself (`/api/runs/ID/periods/N`), which keeps the
/// server's memory to the curves. Lines of older logs (no `event` key, an `epoch`) read the same way.
///
/// ```swift
/// let p = PeriodRecord(line: lineData, offset: 0)  // nil when the line is not a period
/// p?.json  // {"epoch":0,"step":48,"s":{"eval/top1":17.06,...},"v":{...},"m":["eval/confusion"]}
/// ```
struct PeriodRecord {
    var epoch: Int
    var step: Int?
    /// Where the line is in `log.jsonl`, to read its matrices on request.
    var offset: UInt64
    var length: Int
    /// The page's form of the period (compact JSON).
    var json: String
    /// `eval/train_counts` (or an older log's `test/trainCounts`), for a run without `counts.json`.
    var trainCounts: [Double]?

    /// Keys that place the period rather than measure it.
    static let placing: Set<String> = ["event", "epoch", "step", "is_best"]
    /// `Metrics`' grouping levels, dropped from names.
    static let groupingLevels: Set<String> = ["scalars", "vectors", "matrices"]

    init?(object: JSONValue, offset: UInt64, length: Int) {
        // A number no Int holds (1e300 in a damaged log) makes the line unreadable, not a crash.
        guard case let .object(fields) = object,
              let epoch = fields["epoch"]?.number.flatMap({ Int(exactly: $0.rounded(.down)) }) else { return nil }
        self.epoch = epoch
        step = fields["step"]?.number.flatMap { Int(exactly: $0.rounded(.down)) }
        self.offset = offset
        self.length = length
        var scalars: [(String, Any?)] = []
        var vectors: [(String, Any?)] = []
        var matrices: [String] = []
        for key in fields.keys.sorted() where !Self.placing.contains(key) {
            Self.flatten(fields[key]!, name: key, scalars: &scalars, vectors: &vectors, matrices: &matrices)
        }
        trainCounts = vectors.first { $0.0.hasSuffix("train_counts") || $0.0.hasSuffix("trainCounts") }?.1 as? [Double]
        var out: [(String, Any?)] = [("epoch", self.epoch), ("step", step), ("s", JSONObject(scalars)), ("v", JSONObject(vectors)),
                                     ("m", matrices)]
        if case let .bool(best)? = fields["is_best"] { out.append(("best", best)) }
        json = JSONText.value(JSONObject(out))
    }

    private static func flatten(_ value: JSONValue, name: String, scalars: inout [(String, Any?)],
                                vectors: inout [(String, Any?)], matrices: inout [String]) {
        if let d = value.number {
            scalars.append((name, d))
        } else if value == .null {
            // `Metrics` writes a non-finite scalar (a diverged loss) as null.
            scalars.append((name, Double.nan))
        } else if let list = value.numbers {
            vectors.append((name, list))
        } else if value.isMatrix {
            matrices.append(name)
        } else if case let .object(children) = value {
            for key in children.keys.sorted() {
                let child = groupingLevels.contains(key) ? name : "\(name)/\(key)"
                flatten(children[key]!, name: child, scalars: &scalars, vectors: &vectors, matrices: &matrices)
            }
        }
    }
}
