import Foundation

/// Writes a file so that a crash at any moment leaves either the old file or the new one, never a
/// torn one: write a temporary file beside it, fsync it, rename it over the target, fsync the folder.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = "\(dir)/.\(url.lastPathComponent).tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw TailKitError.unwritableOutput(path: temp, problem: String(cString: strerror(errno))) }
        var ok = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        let writeError = errno
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok else {
            unlink(temp)
            throw TailKitError.unwritableOutput(path: path, problem: String(cString: strerror(writeError)))
        }
        guard rename(temp, path) == 0 else {
            let problem = String(cString: strerror(errno))
            unlink(temp)
            throw TailKitError.unwritableOutput(path: path, problem: problem)
        }
        let dirFD = open(dir, O_RDONLY)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }
}
