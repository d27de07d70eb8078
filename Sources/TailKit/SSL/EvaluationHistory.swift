/// The evaluations of a run, for DASO's reported figure: the median of the last 20 evaluations of
/// test top-1 (`test/top1_median20`), raw and post-hoc logit-adjusted (z − log π).
///
/// ```swift
/// var history = EvaluationHistory()
/// history.append(top1: 70, top1LA: 74)
/// history.median(\.top1)       // 70
/// ```
public struct EvaluationHistory: Equatable, Sendable {
    public private(set) var top1: [Double] = []
    public private(set) var top1LA: [Double] = []
    /// How many of the last evaluations the median covers (20 in DASO).
    public let window: Int

    public init(window: Int = 20) { self.window = window }

    public mutating func append(top1 raw: Double, top1LA adjusted: Double) {
        top1.append(raw)
        top1LA.append(adjusted)
    }

    /// numpy's median of the last `window` values (or all, when fewer): the middle value, or the mean
    /// of the two middle ones.
    public func median(_ series: KeyPath<EvaluationHistory, [Double]>) -> Double? {
        let last = self[keyPath: series].suffix(window).sorted()
        guard !last.isEmpty else { return nil }
        let n = last.count
        return n % 2 == 1 ? last[n / 2] : (last[n / 2 - 1] + last[n / 2]) / 2
    }

    /// Both series, interleaved (raw, adjusted) per evaluation, for a checkpoint.
    public var flattened: [Double] { zip(top1, top1LA).flatMap { [$0, $1] } }

    public init(window: Int = 20, flattened: [Double]) throws {
        guard flattened.count % 2 == 0 else {
            throw TailKitError.invalidOption("the checkpoint's evaluation history has \(flattened.count) values, not pairs")
        }
        self.window = window
        for i in stride(from: 0, to: flattened.count, by: 2) { append(top1: flattened[i], top1LA: flattened[i + 1]) }
    }
}
