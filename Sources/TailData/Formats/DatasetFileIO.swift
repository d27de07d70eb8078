#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads for the dataset readers. Files are read with POSIX calls straight into one
/// `[UInt8]`, because the large sets (SVHN extra, STL-10 unlabeled) are gigabytes and a
/// `Data` round trip would double the peak memory.
public enum DatasetFileIO {
    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw errno == ENOENT || errno == ENOTDIR
                ? DataError.missingFile(path: path)
                : DataError.undecodable(path: path, detail: "cannot open: \(errnoText())")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw DataError.undecodable(path: path, detail: "cannot stat: \(errnoText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw DataError.undecodable(path: path, detail: "not a regular file")
        }
        let size = Int(info.st_size)
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = 0
            while initialized < size {
                let got = datasetPosixRead(descriptor, buffer.baseAddress! + initialized, size - initialized)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 {
                    failure = got < 0 ? errnoText() : "file shrank while reading"
                    return
                }
                initialized += got
            }
        }
        if let failure { throw DataError.truncated(path: path, detail: failure) }
        return bytes
    }

    /// The bytes of the file, gunzipped when it starts with the gzip magic.
    public static func readMaybeGzipped(_ path: String) throws -> [UInt8] {
        let bytes = try read(path)
        return Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, path: path) : bytes
    }

    /// Whether a file or folder exists at `path`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Whether a folder exists at `path`.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `directory/name`, without doubling a trailing slash.
    public static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The first of `names` that exists in `directory`, or a missing-file error naming the first.
    public static func firstExisting(in directory: String, _ names: [String]) throws -> String {
        for name in names where exists(join(directory, name)) { return join(directory, name) }
        throw DataError.missingFile(path: join(directory, names.first ?? ""))
    }

    /// The non-empty lines of a text file (names lists), trimmed of spaces and CR.
    public static func readLines(_ path: String) throws -> [String] {
        try lines(of: read(path), path: path)
    }

    /// The non-empty lines of UTF-8 text, trimmed of spaces and CR; `path` names it in errors.
    public static func lines(of bytes: [UInt8], path: String) throws -> [String] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError.undecodable(path: path, detail: "text is not valid UTF-8")
        }
        return text.split(whereSeparator: \.isNewline)
            .map { trimmed($0) }
            .filter { !$0.isEmpty }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }

    private static func trimmed(_ line: Substring) -> String {
        let blank: Set<Character> = [" ", "\t", "\r"]
        var view = line
        while let first = view.first, blank.contains(first) { view = view.dropFirst() }
        while let last = view.last, blank.contains(last) { view = view.dropLast() }
        return String(view)
    }
}

private func datasetPosixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
