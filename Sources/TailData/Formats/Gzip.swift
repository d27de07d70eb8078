import CZlib

/// Whole-buffer decompression with zlib: gzip files (`.gz`, `.tar.gz`, gzipped IDX) and the raw
/// zlib streams inside MATLAB `miCOMPRESSED` elements.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic `1f 8b`.
    public static func isGzip<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1F && iterator.next() == 0x8B
    }

    /// The gunzipped contents of `bytes`, all members concatenated (as `gunzip` does). Zero
    /// padding after the last member is allowed; anything else there is an error.
    public static func decompress(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        guard isGzip(bytes) else {
            throw DataError.badHeader(path: path, detail: "missing gzip magic 1f 8b")
        }
        return try bytes.withUnsafeBufferPointer { input in
            // 15 + 32: 32 KiB window, and let zlib parse the gzip header itself.
            try ZlibInflater.run(input, windowBits: 15 + 32, path: path, sizeHint: lastMemberSize(bytes),
                                 limit: nil, multiMember: true)
        }
    }

    /// The inflated contents of a zlib stream (RFC 1950 header and Adler-32 trailer), as MATLAB
    /// writes them. `sizeHint` pre-sizes the output; `limit` stops after that many bytes, for
    /// peeking at a header without inflating everything.
    public static func inflateZlib(_ bytes: ArraySlice<UInt8>, path: String, sizeHint: Int = 0,
                                   limit: Int? = nil) throws -> [UInt8] {
        try bytes.withUnsafeBufferPointer { input in
            try ZlibInflater.run(input, windowBits: 15, path: path, sizeHint: sizeHint, limit: limit,
                                 multiMember: false)
        }
    }

    /// Inflated output may always reach this size; beyond it, at most `maxRatio` bytes per
    /// compressed byte. Image and label data compress 2:1 to 20:1; deflate's own limit is about
    /// 1032:1, which a "zip bomb" uses to turn a 10 MB download into 10 GB of memory.
    public static let freeAllowance = 64 << 20
    public static let maxRatio = 200

    /// The most output `compressedBytes` of input may inflate to.
    public static func outputBound(compressedBytes: Int) -> Int {
        max(freeAllowance, compressedBytes.multipliedReportingOverflow(by: maxRatio).partialValue)
    }

    /// Deflate expands at most about 1032:1, so a size hint above that is a corrupt header and
    /// must not turn into a huge allocation.
    static func plausibleSize(_ hint: Int, compressedBytes: Int) -> Int {
        max(0, min(hint, compressedBytes.multipliedReportingOverflow(by: 1032).partialValue, 1 << 34))
    }

    /// The ISIZE trailer of the last member (uncompressed size mod 2^32), used only as a hint.
    private static func lastMemberSize(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 18 else { return 0 }
        let n = bytes.count
        let size = UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8 | UInt32(bytes[n - 2]) << 16
            | UInt32(bytes[n - 1]) << 24
        return plausibleSize(Int(size), compressedBytes: bytes.count)
    }
}

/// One zlib inflate stream over a whole input buffer, growing its output as needed.
private enum ZlibInflater {
    static func run(_ input: UnsafeBufferPointer<UInt8>, windowBits: Int32, path: String, sizeHint: Int,
                    limit: Int?, multiMember: Bool) throws -> [UInt8] {
        // On the heap: zlib keeps a pointer back to its z_stream and rejects one that moved.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DataError.undecodable(path: path, detail: "zlib initialisation failed (\(status))")
        }
        defer { inflateEnd(stream) }
        return try inflateAll(input, stream: stream, path: path, sizeHint: sizeHint, limit: limit,
                              multiMember: multiMember)
    }

    private static func inflateAll(_ input: UnsafeBufferPointer<UInt8>, stream: UnsafeMutablePointer<z_stream>,
                                   path: String, sizeHint: Int, limit: Int?, multiMember: Bool) throws -> [UInt8] {
        guard let base = input.baseAddress, !input.isEmpty else {
            throw DataError.truncated(path: path, detail: "no compressed data")
        }
        let bound = Gzip.outputBound(compressedBytes: input.count)
        let cap = min(limit ?? Int.max, bound)
        let hint = Gzip.plausibleSize(sizeHint, compressedBytes: input.count)
        var output = [UInt8](repeating: 0, count: min(max(hint, 1 << 16), cap))
        var consumed = 0
        var produced = 0
        while true {
            if produced == output.count {
                if produced >= cap {
                    if limit.map({ produced >= $0 }) ?? false { return output }
                    throw DataError.undecodable(
                        path: path, detail: "compressed data expands past \(bound) bytes (more than \(Gzip.maxRatio):1 "
                            + "from \(input.count) bytes): refused as a decompression bomb")
                }
                // A zeroed array appended as a block: fast even unoptimised (fuzzing runs debug builds).
                output += [UInt8](repeating: 0, count: min(output.count, cap - output.count))
            }
            let inChunk = min(input.count - consumed, Int(UInt32.max))
            let outRoom = min(output.count - produced, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base + consumed)
            stream.pointee.avail_in = UInt32(inChunk)
            let status = output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_out = out.baseAddress! + produced
                stream.pointee.avail_out = UInt32(outRoom)
                return inflate(stream, Z_NO_FLUSH)
            }
            consumed += inChunk - Int(stream.pointee.avail_in)
            produced += outRoom - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let rest = UnsafeBufferPointer(rebasing: input[consumed...])
                if multiMember && Gzip.isGzip(rest) {
                    inflateReset(stream)
                    continue
                }
                if multiMember && rest.contains(where: { $0 != 0 }) {
                    throw DataError.undecodable(
                        path: path, detail: "unexpected bytes after gzip member at offset \(consumed)")
                }
                output.removeLast(output.count - produced)
                return output
            case Z_BUF_ERROR where consumed == input.count:
                throw DataError.truncated(
                    path: path, detail: "compressed stream ends early after \(input.count) bytes")
            case Z_BUF_ERROR:
                continue
            case Z_NEED_DICT:
                throw DataError.undecodable(path: path, detail: "zlib stream needs a preset dictionary")
            case Z_MEM_ERROR:
                throw DataError.undecodable(path: path, detail: "out of memory while inflating")
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw DataError.undecodable(path: path, detail: "corrupt compressed data: \(message)")
            }
        }
    }
}
