/// Why t-SNE cannot run on the given points or settings.
public enum TSNEError: Error, CustomStringConvertible, Equatable, Sendable {
    case tooFewPoints(Int)
    case perplexityTooLarge(perplexity: Double, points: Int, maximum: Double)
    case invalidSetting(String)
    case ragged(row: Int, expected: Int, found: Int)
    case nonFinite(row: Int, column: Int)

    public var description: String {
        switch self {
        case .tooFewPoints(let count):
            return "t-SNE needs at least 2 points, got \(count)"
        case .perplexityTooLarge(let perplexity, let points, let maximum):
            return "t-SNE perplexity \(perplexity) is too large for \(points) points: "
                + "it must be at most (points - 1) / 3 = \(maximum); use a smaller perplexity or more points"
        case .invalidSetting(let message):
            return "t-SNE: \(message)"
        case .ragged(let row, let expected, let found):
            return "t-SNE input row \(row) has \(found) values, but row 0 has \(expected)"
        case .nonFinite(let row, let column):
            return "t-SNE input row \(row), column \(column) is NaN or infinite"
        }
    }
}
