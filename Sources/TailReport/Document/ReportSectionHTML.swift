import Foundation

/// HTML for each kind of report section.
enum ReportSectionHTML {
    static func render(_ section: ReportDocument.Section) -> String {
        switch section {
        case .heading(let text):
            return "<h2>\(escape(text))</h2>\n"
        case .text(let text):
            return paragraphs(text)
        case .keyValues(let pairs):
            return keyValues(pairs)
        case .table(let caption, let headers, let rows, let highlight):
            return ReportTableHTML.render(caption: caption, headers: headers, rows: rows, highlight: highlight ?? [])
        case .lineChart(let chart):
            return figure(chart.svg())
        case .scatter(let plot):
            return figure(plot.svg())
        case .heatmap(let heatmap):
            return figure(heatmap.svg())
        case .grid(let items):
            return "<div class=\"grid\">\n" + items.map { "<div class=\"grid-item\">\n" + render($0) + "</div>\n" }.joined() + "</div>\n"
        case .preformatted(let text):
            return "<pre>\(escape(text))</pre>\n"
        }
    }

    private static func escape(_ text: String) -> String { ReportHTMLEscaping.escape(text) }

    private static func paragraphs(_ text: String) -> String {
        text.components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { "<p>\(escape($0))</p>\n" }
            .joined()
    }

    private static func keyValues(_ pairs: [(String, String)]) -> String {
        "<dl class=\"kv\">\n" + pairs.map { "<dt>\(escape($0.0))</dt><dd>\(escape($0.1))</dd>\n" }.joined() + "</dl>\n"
    }

    private static func figure(_ svg: String) -> String {
        "<figure class=\"chart\">\n\(svg)\n</figure>\n"
    }
}
