/// Every way reading or building a dataset can fail. Each case names the file
/// (or the argument) and says what was expected, so a user can fix the input.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case missingFile(path: String)
    case truncated(path: String, detail: String)
    case badHeader(path: String, detail: String)
    case labelOutOfRange(path: String, index: Int, label: Int, validRange: String)
    case countMismatch(path: String, images: Int, labels: Int)
    case undecodable(path: String, detail: String)
    /// A user's data set (class folders, a CSV of paths and labels) that cannot be used as it is.
    case badDataset(path: String, detail: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): file not found"
        case .truncated(let path, let detail):
            return "\(path): file is truncated (\(detail))"
        case .badHeader(let path, let detail):
            return "\(path): not a valid file of this format (\(detail))"
        case .labelOutOfRange(let path, let index, let label, let validRange):
            return "\(path): label \(label) of record \(index) is outside \(validRange)"
        case .countMismatch(let path, let images, let labels):
            return "\(path): \(images) images but \(labels) labels"
        case .undecodable(let path, let detail):
            return "\(path): cannot decode (\(detail))"
        case .badDataset(let path, let detail):
            return "\(path): \(detail)"
        case .invalidArgument(let detail):
            return detail
        }
    }
}
