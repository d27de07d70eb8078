/// Errors of TailKit's own layer: bad options, bad files, runs that cannot go on. Each message
/// says what was wrong and, where there is a choice, lists the valid ones.
public enum TailKitError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    case badFile(path: String, problem: String)
    case trainingDiverged(String)
    case unwritableOutput(path: String, problem: String)

    public var description: String {
        switch self {
        case .invalidOption(let message): return message
        case .badFile(let path, let problem): return "\(path): \(problem)"
        case .trainingDiverged(let message): return message
        case .unwritableOutput(let path, let problem): return "cannot write to \(path): \(problem)"
        }
    }
}
