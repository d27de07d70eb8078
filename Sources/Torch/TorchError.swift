import CTorch

/// A failure inside libtorch (shape mismatch, bad dtype, out-of-range index, ...) or in TailKit's
/// use of it. The message is libtorch's own, so users see exactly what went wrong; the process lives on.
public enum TorchError: Error, CustomStringConvertible, Equatable {
    case libtorch(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .libtorch(let message): return "libtorch: \(message)"
        case .invalidArgument(let message): return message
        }
    }

    /// The error libtorch just reported on this thread.
    static func last() -> TorchError { .libtorch(String(cString: ct_last_error())) }
}

/// Turns a C status code (0 or a count on success, -1 on failure) into a thrown error.
@discardableResult
func checkStatus(_ code: Int32) throws -> Int32 {
    if code < 0 { throw TorchError.last() }
    return code
}
