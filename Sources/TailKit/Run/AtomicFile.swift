import Foundation

/// Writes a file so that a crash at any moment leaves either the old file or the new one, never a
/// torn one: write a temporary file beside it, fsync it, rename it over the target, fsync the folder.
/// When the disk fills up (ENOSPC) or a file-size limit is hit (EFBIG, with SIGXFSZ ignored) the
/// temporary file is removed and the target keeps its previous contents.
///
/// ```swift
/// try AtomicFile.write(bytes, to: "runs/a/last.ckpt")   // TailKitError.unwritableOutput on failure
/// ```
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = "\(dir)/.\(url.lastPathComponent).tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TailKitError.unwritableOutput(path: temp, problem: String(cString: strerror(errno))) }
        var failure = writeAll(fd, bytes)
        if failure == nil && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == nil { failure = errno }
        if let failure {
            unlink(temp)
            throw TailKitError.unwritableOutput(path: path, problem: describe(failure, size: bytes.count))
        }
        guard rename(temp, path) == 0 else {
            let problem = String(cString: strerror(errno))
            unlink(temp)
            throw TailKitError.unwritableOutput(path: path, problem: problem)
        }
        let dirFD = open(dir, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    /// Writes every byte, retrying after signals; the errno of a failure, nil on success.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { raw -> Int32? in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return n < 0 ? errno : ENOSPC }
                offset += n
            }
            return nil
        }
    }

    private static func describe(_ error: Int32, size: Int) -> String {
        let text = String(cString: strerror(error))
        switch error {
        case ENOSPC, EDQUOT:
            return "\(text): the disk is full (\(size) bytes to write); the previous file is kept"
        case EFBIG:
            return "\(text): a file-size limit stops the \(size)-byte write; the previous file is kept"
        default:
            return text
        }
    }
}
