import Foundation
/// Errors of TailKit's own layer: bad options, bad files, runs that cannot go on. Each message
/// says what was wrong and, where there is a choice, lists the valid ones.
public enum TailKitError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    case badFile(path: String, problem: String)
    case trainingDiverged(String)
    case unwritableOutput(path: String, problem: String)
    /// SIGINT/SIGTERM stopped training after `step` of `totalSteps`; `checkpoint` is the file written then.
    case interrupted(signal: Int32, step: Int, totalSteps: Int, checkpoint: String?)
    /// Another live process holds the run folder's lock.
    case runFolderBusy(path: String, holder: String)
    /// Data-parallel training lost a rank, or its process group could not form.
    case distributed(String)

    public var description: String {
        switch self {
        case .invalidOption(let message): return message
        case .badFile(let path, let problem): return "\(path): \(problem)"
        case .trainingDiverged(let message): return message
        case .unwritableOutput(let path, let problem): return "cannot write to \(path): \(problem)"
        case .interrupted(let signal, let step, let total, let checkpoint):
            let signal = StopSignal.name(signal)
            guard let checkpoint else { return "stopped by \(signal) after step \(step) of \(total); no checkpoint was written" }
            let folder = URL(fileURLWithPath: checkpoint).deletingLastPathComponent().path
            return "stopped by \(signal) after step \(step) of \(total); checkpoint written to \(checkpoint); continue with --resume \(folder)"
        case .distributed(let message): return message
        case .runFolderBusy(let path, let holder):
            return "\(path) is in use by another tailkit process (\(holder)); wait for it to finish or choose another --out"
        }
    }

    /// The signal number of an `.interrupted` error.
    public var interruption: Int32? {
        if case .interrupted(let signal, _, _, _) = self { return signal }
        return nil
    }
}
