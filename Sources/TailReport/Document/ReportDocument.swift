/// A report as a value: title, subtitle and ordered sections, rendered to one self-contained
/// HTML5 file (inline CSS and SVG, no scripts, no external resources) that opens anywhere, also
/// long after the run and on machines without network access.
/// `render()` gives the HTML; TailKit's `write(to:)` saves it atomically.
public struct ReportDocument: Sendable {
    public indirect enum Section: Sendable {
        /// A section heading.
        case heading(String)
        /// Paragraphs; blank lines separate them.
        case text(String)
        /// Labelled values such as a run's settings.
        case keyValues([(String, String)])
        /// A table. In the columns listed in `highlightBestInColumns` the cells holding the
        /// column's largest number (read from the cell's leading number, so "45.1%" counts) are
        /// shown in bold.
        case table(caption: String, headers: [String], rows: [[String]], highlightBestInColumns: Set<Int>?)
        case lineChart(LineChart)
        case scatter(ScatterPlot)
        case heatmap(Heatmap)
        /// Small figures side by side, wrapping on narrow screens.
        case grid([Section])
        /// Monospaced text kept as is (logs, configs).
        case preformatted(String)
    }

    public var title: String
    public var subtitle: String
    public var sections: [Section]

    public init(title: String, subtitle: String = "", sections: [Section] = []) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    public mutating func append(_ section: Section) {
        sections.append(section)
    }

    /// The whole HTML file.
    public func render() -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(ReportHTMLEscaping.escape(title))</title>
        <style>
        \(ReportStylesheet.css)</style>
        </head>
        <body>
        <main>
        <header>
        <h1>\(ReportHTMLEscaping.escape(title))</h1>

        """
        if !subtitle.isEmpty { html += "<p class=\"subtitle\">\(ReportHTMLEscaping.escape(subtitle))</p>\n" }
        html += "</header>\n"
        for section in sections { html += ReportSectionHTML.render(section) }
        html += "</main>\n</body>\n</html>\n"
        return html
    }
}
