import Foundation

/// What stops `tailkit dashboard` from starting: each case names the path or value and the problem.
public enum DashboardError: Error, CustomStringConvertible, Equatable {
    /// A RUN_DIR argument that is not a readable folder.
    case notAFolder(path: String, problem: String)
    /// `--host` / `--port` that cannot be bound.
    case badAddress(host: String, port: Int, problem: String)

    public var description: String {
        switch self {
        case let .notAFolder(path, problem): return "\(path): \(problem)"
        case let .badAddress(host, port, problem): return "cannot listen on \(host):\(port): \(problem)"
        }
    }
}
