/// A report table. Numeric cells are right-aligned; in highlighted columns the best (largest)
/// numbers are bold, so the winning method in a comparison stands out.
enum ReportTableHTML {
    static func render(caption: String, headers: [String], rows: [[String]], highlight: Set<Int>) -> String {
        let columns = max(headers.count, rows.map(\.count).max() ?? 0)
        let best = bestValues(rows: rows, columns: highlight.filter { $0 >= 0 && $0 < columns })
        var html = "<div class=\"table-wrap\">\n<table>\n"
        if !caption.isEmpty { html += "<caption>\(ReportHTMLEscaping.escape(caption))</caption>\n" }
        if !headers.isEmpty {
            html += "<thead><tr>" + headers.map { "<th>\(ReportHTMLEscaping.escape($0))</th>" }.joined() + "</tr></thead>\n"
        }
        html += "<tbody>\n"
        for row in rows {
            html += "<tr>"
            for column in 0..<columns {
                let text = column < row.count ? row[column] : ""
                let value = leadingNumber(text)
                var classes: [String] = []
                if value != nil { classes.append("num") }
                if let value, let top = best[column], value == top { classes.append("best") }
                let attribute = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
                html += "<td\(attribute)>\(ReportHTMLEscaping.escape(text))</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table>\n</div>\n"
    }

    /// The largest number in each of `columns`; columns without numbers have none.
    private static func bestValues(rows: [[String]], columns: Set<Int>) -> [Int: Double] {
        var best: [Int: Double] = [:]
        for row in rows {
            for column in columns where column < row.count {
                guard let value = leadingNumber(row[column]) else { continue }
                best[column] = max(best[column] ?? -Double.infinity, value)
            }
        }
        return best
    }

    /// The number a cell starts with: "45.1", "45.1%", "45.1 ± 0.3" all give 45.1; "-" and text give nil.
    static func leadingNumber(_ cell: String) -> Double? {
        let trimmed = cell.drop { $0 == " " }
        let numeric = trimmed.prefix { "0123456789+-.eE".contains($0) }
        guard let value = Double(numeric), value.isFinite else { return nil }
        return value
    }
}
