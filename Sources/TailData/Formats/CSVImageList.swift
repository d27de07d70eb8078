/// A user's data set as a CSV table of image paths and labels: a header row naming the columns
/// `path` and `label` (other columns are ignored), or no header and the two columns in that order.
/// Paths are relative to the CSV's folder, or absolute. Labels are class names, or integers when
/// every label is one. Fields follow RFC 4180 (quotes for commas, `""` for a quote).
///
/// The class list is, in this order of precedence: `classNames` given (a test CSV uses the
/// training CSV's classes), a `classes.txt` beside the CSV (one name per line; an integer label
/// indexes it), the sorted distinct names of the file, or 0...max for integer labels. A label
/// outside the class list is an error naming the file and line.
///
/// ```swift
/// let list = try CSVImageList.read("data/train.csv")     // path,label / img/001.jpg,crack / ...
/// list.classNames                                        // ["crack", "dent", "ok"]
/// ```
public enum CSVImageList {
    public static func read(_ csvPath: String, classNames given: [String]? = nil) throws -> ImageList {
        let table = try Self.rows(csvPath)
        guard let first = table.first else { throw DataError.badDataset(path: csvPath, detail: "the CSV holds no rows") }
        let header = first.map { $0.lowercased().trimmingBlanks() }
        var pathColumn = 0, labelColumn = 1, body = table.enumerated().map { ($0.offset + 1, $0.element) }
        if let p = header.firstIndex(of: "path"), let l = header.firstIndex(of: "label") {
            (pathColumn, labelColumn) = (p, l)
            body.removeFirst()
        }
        guard !body.isEmpty else { throw DataError.badDataset(path: csvPath, detail: "the CSV holds no image rows") }
        var paths: [String] = [], rawLabels: [String] = [], lines: [Int] = []
        for (line, fields) in body {
            guard fields.count > max(pathColumn, labelColumn) else {
                throw DataError.badDataset(path: csvPath, detail: "line \(line) has \(fields.count) fields; expected path and label columns")
            }
            let path = fields[pathColumn].trimmingBlanks(), label = fields[labelColumn].trimmingBlanks()
            guard !path.isEmpty, !label.isEmpty else {
                throw DataError.badDataset(path: csvPath, detail: "line \(line) has an empty path or label")
            }
            paths.append(path)
            rawLabels.append(label)
            lines.append(line)
        }
        var seen: [String: Int] = [:]
        for (i, path) in paths.enumerated() {
            if let earlier = seen[path] {
                throw DataError.badDataset(path: csvPath, detail: "line \(lines[i]) repeats the image \(path) of line \(lines[earlier])")
            }
            seen[path] = i
        }
        let folder = csvPath.contains("/") ? String(csvPath[..<csvPath.lastIndex(of: "/")!]) : "."
        let classesFile = DatasetFileIO.join(folder, "classes.txt")
        let known = try given ?? (DatasetFileIO.exists(classesFile) ? try readClassList(classesFile) : nil)
        let integers = rawLabels.allSatisfy { Int($0) != nil }
        let classNames: [String]
        if let known { classNames = known }
        else if integers { classNames = (0...(rawLabels.compactMap { Int($0) }.max() ?? 0)).map(String.init) }
        else { classNames = Array(Set(rawLabels)).sorted() }
        let index = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($0.element, $0.offset) })
        var labels: [Int] = []
        for (i, raw) in rawLabels.enumerated() {
            if let name = index[raw] { labels.append(name); continue }
            if integers, let n = Int(raw), classNames.indices.contains(n) { labels.append(n); continue }
            let list = classNames.count <= 12 ? classNames.joined(separator: ", ") : classNames.prefix(12).joined(separator: ", ") + ", ..."
            throw DataError.badDataset(path: csvPath, detail: "line \(lines[i]): label '\(raw)' is not in the class list (\(list))")
        }
        return ImageList(root: folder, paths: paths, labels: labels, classNames: classNames)
    }

    /// `classes.txt`: one class name per non-empty line, no repeats.
    static func readClassList(_ path: String) throws -> [String] {
        let text = try utf8Text(path)
        let names = text.split(whereSeparator: \.isNewline).map { String($0).trimmingBlanks() }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw DataError.badDataset(path: path, detail: "names no classes") }
        guard Set(names).count == names.count else { throw DataError.badDataset(path: path, detail: "names a class twice") }
        return names
    }

    /// The CSV's records as fields; blank lines skipped.
    public static func rows(_ path: String) throws -> [[String]] {
        let text = try utf8Text(path)
        var records: [[String]] = [], row: [String] = [], field = "", quoted = false, fieldStarted = false
        var chars = text.makeIterator(), pending: Character? = nil
        func endRow() {
            if fieldStarted || !field.isEmpty || !row.isEmpty { row.append(field); records.append(row) }
            row = []; field = ""; fieldStarted = false
        }
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = chars.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
                fieldStarted = true
            } else if c == "," {
                row.append(field); field = ""; fieldStarted = true
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                endRow()
            } else {
                field.append(c)
            }
        }
        if quoted { throw DataError.badDataset(path: path, detail: "a quoted field is not closed") }
        endRow()
        return records
    }

    private static func utf8Text(_ path: String) throws -> String {
        guard let text = String(validating: try DatasetFileIO.read(path), as: UTF8.self) else {
            throw DataError.badDataset(path: path, detail: "not UTF-8 text")
        }
        return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
