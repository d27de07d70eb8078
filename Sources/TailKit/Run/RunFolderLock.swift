import Foundation

/// An exclusive `flock` on `<run folder>/.lock`, so that two processes never write the same run
/// folder (two `tailkit train --out X`, or a `--resume X` while X still trains). The kernel drops
/// the lock when its holder exits, however it exits, so a lock file left by a dead process
/// (kill -9, power loss) never blocks: only a live holder does. The file records the holder's
/// pid and start time for the message.
///
/// ```swift
/// let lock = try RunFolderLock(folder: "runs/a")   // throws TailKitError.runFolderBusy while another process holds it
/// ```
public final class RunFolderLock {
    public let path: String
    private let descriptor: Int32

    public init(folder: String) throws {
        path = "\(folder)/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TailKitError.unwritableOutput(path: path, problem: "cannot open the lock file (\(String(cString: strerror(errno))))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let problem = String(cString: strerror(errno))
            let holder = Self.holder(fd)
            close(fd)
            if busy { throw TailKitError.runFolderBusy(path: folder, holder: holder) }
            throw TailKitError.unwritableOutput(path: path, problem: "cannot lock (\(problem))")
        }
        descriptor = fd
        let note = Array("pid \(getpid()), since \(ISO8601DateFormatter().string(from: Date()))\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = note.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// What the holder wrote into the lock file ("pid 123, since ...").
    private static func holder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 200)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let text = n > 0 ? String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return text.isEmpty ? "holder unknown" : text
    }
}
