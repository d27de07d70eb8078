/// Why a checkpoint file could not be read or written. Every case names the file.
public enum TorchFileError: Error, Equatable, CustomStringConvertible {
    case cannotRead(path: String, detail: String)
    case cannotWrite(path: String, detail: String)
    case notAZipArchive(path: String, detail: String)
    case missingRecord(path: String, record: String)
    /// The pickle refers to a class or function a plain checkpoint never contains.
    case unsupportedGlobal(path: String, name: String)
    case badPickle(path: String, detail: String)
    case badTensor(path: String, detail: String)
    /// A file in torch's legacy (torch < 1.6) serialization whose sections are missing, cut short or inconsistent.
    case badLegacyFile(path: String, detail: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let detail): return "\(path): cannot read (\(detail))"
        case .cannotWrite(let path, let detail): return "\(path): cannot write (\(detail))"
        case .notAZipArchive(let path, let detail):
            return "\(path): not a torch.save zip archive (\(detail))"
        case .missingRecord(let path, let record): return "\(path): checkpoint has no record '\(record)'"
        case .unsupportedGlobal(let path, let name):
            return "\(path): checkpoint refers to '\(name)', which is not plain checkpoint data (tensors, dicts, lists, numbers, strings)"
        case .badPickle(let path, let detail): return "\(path): bad checkpoint pickle (\(detail))"
        case .badTensor(let path, let detail): return "\(path): bad tensor (\(detail))"
        case .badLegacyFile(let path, let detail):
            return "\(path): bad legacy (torch < 1.6) checkpoint (\(detail))"
        }
    }
}
