import Foundation

/// What the dashboard knows of one run folder, refreshed by polling: `config.yaml`, `counts.json`,
/// `eval_last.json` (re-read when their size or time changes) and `log.jsonl` (followed by
/// `RunLogTail`). Nothing is written. A missing or unreadable file leaves the rest shown and adds a
/// note saying what is missing.
///
/// ```swift
/// var run = RunFolderState(id: "r0", name: "ce_drw", path: "runs/ce_drw")
/// if let from = run.refresh() { print(run.updateJSON(from: from)) }
/// ```
struct RunFolderState {
    let id: String
    let name: String
    let path: String
    private(set) var log: RunLogTail
    private var config: String?
    private var settings: [(String, String)] = []
    private var classNames: [String]?
    private var counts: [Double]?
    private var lastEval: JSONObject?
    private var fileNotes: [String: String] = [:]
    private var signatures: [String: String] = [:]
    private var folderGone = false

    init(id: String, name: String, path: String) {
        self.id = id
        self.name = name
        self.path = path
        log = RunLogTail(path: path + "/log.jsonl")
    }

    /// Reads what changed; nil when nothing did, else the first period index to send again.
    mutating func refresh() -> Int? {
        var changed = false
        let gone = !Self.isDirectory(path)
        if gone != folderGone { folderGone = gone; changed = true }
        for name in Self.smallFiles { changed = readSmallFile(name) || changed }
        let from = log.read()
        if from == nil && !changed { return nil }
        return from ?? log.periods.count
    }

    /// Files re-read only when their size or modification time changed.
    static let smallFiles = ["config.yaml", "counts.json", "eval_last.json"]

    private mutating func readSmallFile(_ name: String) -> Bool {
        let file = "\(path)/\(name)"
        var info = stat()
        let signature = stat(file, &info) == 0 ? "\(info.st_size)/\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)/\(info.st_ino)" : "missing"
        guard signatures[name] != signature else { return false }
        signatures[name] = signature
        fileNotes[name] = nil
        if signature == "missing" {
            try? parse(name, Data())
            fileNotes[name] = "missing"
            return true
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            fileNotes[name] = "cannot be read"
            return true
        }
        do { try parse(name, data) } catch { fileNotes[name] = "\(error)" }
        return true
    }

    /// Takes in one small file; empty data for a missing one.
    private mutating func parse(_ name: String, _ data: Data) throws {
        switch name {
        case "config.yaml": try parseConfig(data)
        case "counts.json": try parseCounts(data)
        default: try parseLastEval(data)
        }
    }

    private mutating func parseConfig(_ data: Data) throws {
        config = data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
        settings = config.map(ConfigSettings.flatten) ?? []
    }

    private mutating func parseCounts(_ data: Data) throws {
        classNames = nil
        counts = nil
        guard !data.isEmpty else { return }
        guard let v = try? JSONValue.parse(data) else { throw NoteText("is not valid JSON") }
        guard let c = v["train_counts"]?.numbers else { throw NoteText("has no train_counts list") }
        counts = c
        if case let .array(names)? = v["class_names"] { classNames = names.map { $0.string ?? "?" } }
    }

    private mutating func parseLastEval(_ data: Data) throws {
        lastEval = nil
        guard !data.isEmpty else { return }
        guard let v = try? JSONValue.parse(data) else { throw NoteText("is not valid JSON") }
        // `Metrics` keeps its numbers under "scalars"; older runs wrote them at the top level.
        guard case let .object(scalars) = v["scalars"] ?? v else { throw NoteText("is not a JSON object") }
        let numbers: [(String, Any?)] = scalars.keys.sorted().compactMap { key in scalars[key]!.number.map { (key, $0) } }
        guard !numbers.isEmpty else { throw NoteText("has no numbers") }
        lastEval = JSONObject(numbers)
    }

    /// What the page should tell about the folder, most important first.
    var notes: [String] {
        var out: [String] = []
        if folderGone { out.append("the run folder is gone; showing what was read before") }
        if !log.exists { out.append("log.jsonl is missing: no curves yet") }
        if let e = log.readError { out.append("log.jsonl \(e)") }
        if log.pendingBytes > 0 {
            out.append("log.jsonl ends in an incomplete line (\(log.pendingBytes) bytes, being written or cut off): shown up to the last complete line")
        }
        if !log.badLines.isEmpty {
            out.append("log.jsonl line\(log.badLines.count > 1 ? "s" : "") \(log.badLines.map(String.init).joined(separator: ", ")) "
                       + "\(log.badLines.count > 1 ? "are" : "is") not JSON and skipped")
        }
        for name in Self.smallFiles {
            guard let problem = fileNotes[name] else { continue }
            if problem == "missing" {
                switch name {
                case "config.yaml": out.append("config.yaml is missing: the settings are unknown")
                case "counts.json": out.append("counts.json is missing: training counts "
                                               + (log.periods.last?.trainCounts != nil ? "taken from the log" : "unknown, classes in index order"))
                default: if !log.periods.isEmpty { out.append("eval_last.json is missing") }
                }
            } else {
                out.append("\(name) \(problem)")
            }
        }
        return out
    }

    /// The run without its periods: names, settings, class counts, progress, notes.
    var metaJSON: String {
        let trainCounts = counts ?? log.periods.last?.trainCounts
        return JSONText.value(JSONObject([
            ("id", id), ("name", name), ("path", path), ("config", config),
            ("settings", JSONObject(settings.map { ($0.0, $0.1) })),
            ("classes", classNames), ("counts", trainCounts),
            ("start", log.start.map(RawJSON.init)), ("last_step", log.lastStep.map(RawJSON.init)),
            ("last_eval", lastEval), ("period_count", log.periods.count), ("notes", notes),
        ]))
    }

    /// `{"run": meta, "from": n, "periods": [...]}`: the page drops its periods from `from` on and appends these.
    func updateJSON(from: Int) -> String {
        let start = min(max(0, from), log.periods.count)
        let periods = log.periods[start...].map(\.json).joined(separator: ",")
        return #"{"run":\#(metaJSON),"from":\#(start),"periods":[\#(periods)]}"#
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}

/// JSON text already written, put into a `JSONText` value as it is.
struct RawJSON {
    var text: String
    init(_ text: String) { self.text = text }
}

/// A problem with a file, worded to follow its name in a note ("counts.json is not valid JSON").
struct NoteText: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}
