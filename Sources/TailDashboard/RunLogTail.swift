import Foundation

/// Follows one `log.jsonl` while another process (or machine, through a shared folder) appends to
/// it: each `read()` takes only the bytes added since the last one, keeps an unfinished last line
/// for the next read, and starts over when the file was replaced or shrank.
///
/// It applies the log's rules (`TailKit.RunLog`): a `start` event drops the periods past its step
/// (a resume), `period` events (or lines of older logs with an `epoch` and no `event`) are periods,
/// `step` events give the latest progress.
///
/// ```swift
/// var tail = RunLogTail(path: "runs/x/log.jsonl")
/// let change = tail.read()   // .appended(from: 0), .unchanged, ...
/// tail.periods.count
/// ```
struct RunLogTail {
    let path: String
    private(set) var periods: [PeriodRecord] = []
    /// The last `start` event (task, total_steps, steps_per_epoch ...) and `step` event, as page JSON.
    private(set) var start: String?
    private(set) var lastStep: String?
    /// Lines that are complete but not JSON, by 1-based line number (kept short).
    private(set) var badLines: [Int] = []
    /// Bytes after the last newline: a line being written, or one cut off by a crash.
    private(set) var pendingBytes = 0
    private(set) var exists = false
    private(set) var readError: String?

    private var offset: UInt64 = 0
    private var lineNumber = 0
    private var pending = Data()
    private var identity: (device: UInt64, inode: UInt64)?
    /// Bytes read per call at most, so that one huge log cannot hold the poller (and the requests
    /// waiting on it) for long; `hasMore` tells that the file holds more.
    static let chunk = 1 << 20
    private(set) var hasMore = false

    init(path: String) { self.path = path }

    /// Reads what was appended since the last call. Returns nil when nothing changed, else the first
    /// period index that changed (`periods.count` when only the progress or the pending bytes did;
    /// lower after a resume dropped periods, 0 when the file was replaced or removed).
    mutating func read() -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            guard exists else { return nil }
            self = RunLogTail(path: path)
            return 0
        }
        var reset = false
        let id = (UInt64(info.st_dev), UInt64(info.st_ino))
        if let identity, identity != id || UInt64(info.st_size) < offset {
            // Replaced or cut: the log is append-only, so this is a new run in the same folder.
            self = RunLogTail(path: path)
            reset = true
        }
        if !exists { reset = true }
        exists = true
        identity = id
        hasMore = false
        guard UInt64(info.st_size) > offset else { return reset ? 0 : nil }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            readError = "cannot be opened for reading"
            return reset ? 0 : nil
        }
        defer { try? handle.close() }
        readError = nil
        var from = reset ? 0 : periods.count
        do {
            try handle.seek(toOffset: offset)
            let data = try handle.read(upToCount: Self.chunk) ?? Data()
            let base = offset - UInt64(pending.count)
            offset += UInt64(data.count)
            hasMore = UInt64(info.st_size) > offset
            pending.append(data)
            from = min(from, consumeLines(startingAt: base))
        } catch {
            readError = "read failed (\(error.localizedDescription))"
        }
        return from
    }

    /// Splits the complete lines off `pending` and applies them; returns the first period index changed.
    private mutating func consumeLines(startingAt base: UInt64) -> Int {
        var firstChanged = periods.count
        var lineStart = pending.startIndex
        while let newline = pending[lineStart...].firstIndex(of: 0x0A) {
            lineNumber += 1
            let lineOffset = base + UInt64(lineStart - pending.startIndex)
            if let left = apply(pending[lineStart..<newline], offset: lineOffset) {
                firstChanged = min(firstChanged, left)
            }
            lineStart = newline + 1
        }
        pending = Data(pending[lineStart...])
        pendingBytes = pending.count
        return firstChanged
    }

    /// Applies one line; returns the period count left after a resume dropped periods.
    private mutating func apply(_ line: Data, offset: UInt64) -> Int? {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { return nil }
        guard let object = try? JSONValue.parse(MatrixStripper.strip(line)), case .object = object else {
            if badLines.count < 20 { badLines.append(lineNumber) }
            return nil
        }
        switch object["event"]?.string {
        case "start"?:
            start = JSONText.value(JSONValue.plain(object))
            let from = object["step"]?.number ?? 0
            let before = periods.count
            periods.removeAll { ($0.step ?? 0) > Int(from) }
            return periods.count < before ? periods.count : nil
        case "step"?:
            lastStep = JSONText.value(JSONValue.plain(object))
        case "period"?, nil:
            if let p = PeriodRecord(object: object, offset: offset, length: line.count) { periods.append(p) }
        default:
            break
        }
        return nil
    }

    /// The full line of period `index` (with its matrices), read again from the file.
    func line(ofPeriod index: Int) -> Data? {
        guard periods.indices.contains(index), let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let p = periods[index]
        guard (try? handle.seek(toOffset: p.offset)) != nil, let data = try? handle.read(upToCount: p.length),
              data.count == p.length else { return nil }
        return data
    }
}

extension JSONValue {
    /// The value as `JSONText` writes it (objects with sorted keys).
    static func plain(_ v: JSONValue) -> Any? {
        switch v {
        case .null: return nil
        case let .bool(b): return b
        case let .number(d): return d
        case let .string(s): return v.number ?? s
        case let .array(a): return a.map(plain)
        case let .object(o): return JSONObject(o.keys.sorted().map { ($0, plain(o[$0]!)) })
        }
    }
}
