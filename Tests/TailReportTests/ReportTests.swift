import Foundation
import Testing
import TailReport

/// Checks that every opened element is closed in order. Report output escapes all user text, so a
/// `<` always starts a tag; void HTML elements and self-closing SVG elements need no end tag.
private func reportTagsBalanced(_ html: String) -> Bool {
    let voidElements: Set<String> = ["meta", "br", "hr", "img", "link", "input"]
    var stack: [String] = []
    var rest = Substring(html)
    while let open = rest.firstIndex(of: "<") {
        guard let close = rest[open...].firstIndex(of: ">") else { return false }
        let tag = rest[rest.index(after: open)..<close]
        rest = rest[rest.index(after: close)...]
        if tag.hasPrefix("!") { continue }
        let name = String(tag.drop { $0 == "/" }.prefix { !$0.isWhitespace && $0 != "/" }).lowercased()
        if tag.hasPrefix("/") {
            guard stack.popLast() == name else { return false }
        } else if !tag.hasSuffix("/") && !voidElements.contains(name) {
            stack.append(name)
        }
    }
    return stack.isEmpty
}

/// (x, y, text) of every SVG `<text>` element, to find where tick labels went.
private func reportTextElements(_ svg: String) -> [(x: Double, y: Double, text: String)] {
    let pattern = /<text x="([-0-9.]+)" y="([-0-9.]+)"[^>]*>([^<]*)<\/text>/
    return svg.matches(of: pattern).compactMap { match in
        guard let x = Double(match.output.1), let y = Double(match.output.2) else { return nil }
        return (x, y, String(match.output.3))
    }
}

private func reportCount(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

private func reportSampleDocument() -> ReportDocument {
    let chart = LineChart(title: "Loss <train>", xLabel: "epoch", yLabel: "loss",
                          series: [LineChart.Series(name: "train & val", values: [3, 2, 1])])
    let scatter = ScatterPlot(title: "t-SNE", points: [ScatterPlot.Point(x: 0, y: 1, classIndex: 0, label: "a<b")],
                              classNames: ["cat & dog"])
    let heatmap = Heatmap(title: "Confusion", counts: [[5, 1], [2, 7]], classNames: ["x", "y"])
    return ReportDocument(title: "Run <1> & co", subtitle: "\"quoted\"", sections: [
        .heading("Head <h>"),
        .text("x < y & z\n\nsecond"),
        .keyValues([("key<", "value&x")]),
        .table(caption: "T<", headers: ["method", "acc"], rows: [["a<b", "1.0"], ["c", "2.0"]], highlightBestInColumns: [1]),
        .lineChart(chart),
        .scatter(scatter),
        .heatmap(heatmap),
        .grid([.scatter(scatter), .heatmap(heatmap)]),
        .preformatted("<pre> & </pre>"),
    ])
}

@Suite struct ReportDocumentTests {
    @Test func rendersBalancedSelfContainedHTML() {
        let html = reportSampleDocument().render()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(reportTagsBalanced(html))
        #expect(reportCount("<svg", in: html) == 5)
        #expect(reportCount("<svg", in: html) == reportCount("</svg>", in: html))
        #expect(reportCount("<table>", in: html) == 1 && reportCount("</table>", in: html) == 1)
        #expect(!html.contains("<script"))
        let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutNamespace.contains("http") && !html.contains("src=") && !html.contains("url("))
    }

    @Test func balanceCheckerRejectsBrokenMarkup() {
        #expect(!reportTagsBalanced("<div><svg></div></svg>"))
        #expect(!reportTagsBalanced("<table><tr></table>"))
        #expect(reportTagsBalanced("<div><meta charset=\"utf-8\"><circle r=\"1\"/></div>"))
    }

    @Test func escapesAllUserText() {
        let html = reportSampleDocument().render()
        for raw in ["Run <1>", "<h>", "x < y", "key<", "value&x", "a<b", "cat & dog", "<pre> & </pre>", "<train>", "\"quoted\""] {
            #expect(!html.contains(raw), "unescaped: \(raw)")
        }
        for escaped in ["Run &lt;1&gt; &amp; co", "x &lt; y &amp; z", "key&lt;", "value&amp;x", "a&lt;b", "cat &amp; dog",
                        "&lt;pre&gt; &amp; &lt;/pre&gt;", "Loss &lt;train&gt;", "&quot;quoted&quot;"] {
            #expect(html.contains(escaped), "missing: \(escaped)")
        }
    }

    @Test func textSplitsParagraphsOnBlankLines() {
        let html = ReportDocument(title: "t", sections: [.text("one\n\n\ntwo")]).render()
        #expect(html.contains("<p>one</p>") && html.contains("<p>two</p>"))
    }

    @Test func tableHighlightsLargestNumberPerColumn() {
        let rows = [["CE", "70.4", "91.2", "-"], ["LDAM", "77.0%", "89.1", "66.0"], ["ISS", "76.9", "91.2", "65.9 ± 0.3"]]
        let html = ReportDocument(title: "t", sections: [
            .table(caption: "", headers: ["method", "top-1", "many", "few"], rows: rows, highlightBestInColumns: [1, 2, 3]),
        ]).render()
        #expect(html.contains("<td class=\"num best\">77.0%</td>"))
        #expect(reportCount("<td class=\"num best\">91.2</td>", in: html) == 2)
        #expect(html.contains("<td class=\"num best\">66.0</td>"))
        #expect(html.contains("<td class=\"num\">65.9 ± 0.3</td>"))
        #expect(html.contains("<td>-</td>"))
        #expect(reportCount("class=\"num best\"", in: html) == 4)
    }

    @Test func tableWithoutHighlightAndRaggedRows() {
        let html = ReportDocument(title: "t", sections: [
            .table(caption: "c", headers: ["a", "b", "c"], rows: [["1"], ["2", "3", "4", "5"]], highlightBestInColumns: nil),
        ]).render()
        #expect(!html.contains("num best"))
        #expect(reportTagsBalanced(html))
        #expect(reportCount("<td", in: html) == 8)
    }
}

@Suite struct SVGChartTests {
    @Test func lineChartHasSeriesNamesTicksAndLegend() {
        let chart = LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "top-1 (%)", series: [
            LineChart.Series(name: "CE", points: [(0, 0), (10, 50), (20, 100)]),
            LineChart.Series(name: "LDAM", points: [(0, 10), (20, 90)]),
        ])
        let svg = chart.svg()
        let labels = Set(reportTextElements(svg).map(\.text))
        #expect(labels.isSuperset(of: ["CE", "LDAM", "Accuracy", "epoch", "top-1 (%)"]))
        #expect(labels.isSuperset(of: ["0", "20", "40", "60", "80", "100"]))
        #expect(labels.isSuperset(of: ["5", "10", "15"]))
        #expect(reportCount("<path", in: svg) == 2)
        #expect(reportTagsBalanced(svg))
    }

    @Test func linearTicksFollowTheOneTwoFiveRule() {
        let svg = LineChart(title: "", xLabel: "", yLabel: "", series: [
            LineChart.Series(name: "s", points: [(0, 0.13), (1, 0.71)]),
        ]).svg()
        let labels = reportTextElements(svg).map(\.text)
        #expect(["0.0", "0.2", "0.4", "0.6", "0.8"].allSatisfy(labels.contains))
        #expect(!labels.contains("0.1") && !labels.contains("0.3"))
    }

    @Test func logAxesPlaceDecadesAtEqualSpacing() throws {
        let line = LineChart(title: "", xLabel: "", yLabel: "", series: [
            LineChart.Series(name: "s", points: [(1, 12), (2, 950), (3, 0), (4, -3)]),
        ], logY: true).svg()
        let ys = try ["10", "100", "1000"].map { label in try #require(reportTextElements(line).first { $0.text == label }).y }
        #expect(abs((ys[0] - ys[1]) - (ys[1] - ys[2])) < 0.02)
        #expect(ys[0] > ys[1])

        let scatter = ScatterPlot(title: "", points: [
            ScatterPlot.Point(x: 15, y: 40, classIndex: 0), ScatterPlot.Point(x: 480, y: 90, classIndex: 1),
            ScatterPlot.Point(x: 0, y: 10, classIndex: 1),
        ], classNames: ["many", "few"], logX: true).svg()
        let xs = try ["10", "100", "1000"].map { label in try #require(reportTextElements(scatter).first { $0.text == label }).x }
        #expect(abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 0.02)
        #expect(reportCount("<circle", in: scatter) == 2 + 2)
    }

    @Test func nonFinitePointsBreakTheLine() {
        let svg = LineChart(title: "", xLabel: "", yLabel: "", series: [
            LineChart.Series(name: "s", values: [1, 2, .nan, 4, .infinity, 6]),
        ]).svg()
        let path = svg.firstMatch(of: /<path d="([^"]*)"/).map { String($0.output.1) } ?? ""
        #expect(reportCount("M", in: path) == 3)
        #expect(reportCount("L", in: path) == 1)
        #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
    }

    @Test func emptySeriesAreHandled() {
        let svg = LineChart(title: "", xLabel: "", yLabel: "", series: [LineChart.Series(name: "nothing yet", points: [])]).svg()
        #expect(svg.contains(">nothing yet</text>") && svg.contains(">no data</text>"))
        #expect(!svg.contains("<path"))
        #expect(reportTagsBalanced(svg))
        #expect(reportTagsBalanced(LineChart(title: "", xLabel: "", yLabel: "", series: []).svg()))
    }

    @Test func outputIsDeterministicAndCompact() {
        let make = {
            LineChart(title: "t", xLabel: "x", yLabel: "y", series: [
                LineChart.Series(name: "a", points: (0..<50).map { (Double($0) / 3, sin(Double($0) / 7)) }),
            ]).svg()
        }
        let first = make()
        #expect(first == make())
        #expect(first.firstMatch(of: /[0-9]\.[0-9]{3}/) == nil)
    }

    @Test func scatterShowsLegendTooltipsAndClassColours() {
        let plot = ScatterPlot(title: "emb", points: [
            ScatterPlot.Point(x: 0, y: 0, classIndex: 0, label: "img <7>"),
            ScatterPlot.Point(x: 1, y: 1, classIndex: 1),
            ScatterPlot.Point(x: 2, y: 0, classIndex: 9),
            ScatterPlot.Point(x: .nan, y: 0, classIndex: 0),
        ], classNames: ["cat", "dog"])
        let svg = plot.svg()
        #expect(svg.contains("<title>img &lt;7&gt;</title>"))
        #expect(svg.contains("<title>dog</title>"))
        #expect(svg.contains("<title>class 9</title>") && svg.contains("fill=\"#999999\""))
        #expect(svg.contains(">cat</text>") && svg.contains(">dog</text>"))
        #expect(reportCount("<circle", in: svg) == 3 + 2)
        #expect(plot.svg() == svg)
    }

    @Test func manyClassesCycleHuesWithoutLegend() {
        let names = (0..<40).map { "c\($0)" }
        let svg = ScatterPlot(title: "", points: names.indices.map { ScatterPlot.Point(x: Double($0), y: 0, classIndex: $0) },
                              classNames: names).svg()
        #expect(!svg.contains(">c39</text>"))
        let colours = Set(svg.matches(of: /fill="(hsl[^"]*)"/).map { String($0.output.1) })
        #expect(colours.count == 40)
    }

    @Test func heatmapDrawsEveryCellAndSmallMatrixValues() {
        let counts = [[1, 3, 0], [0, 0, 0], [2, 2, 4]]
        let svg = Heatmap(title: "cm", counts: counts, classNames: ["a", "b", "c"]).svg()
        #expect(reportCount("class=\"cell\"", in: svg) == 9)
        let labels = reportTextElements(svg).map(\.text)
        #expect(labels.filter { $0 == "0.25" }.count == 3)
        #expect(labels.contains("0.75") && labels.contains("0.50"))
        // Four zero cells and the colour bar's lower end.
        #expect(labels.filter { $0 == "0.00" }.count == 4 + 1)
        #expect(["a", "b", "c", "Predicted", "True"].allSatisfy(labels.contains))

        let raw = Heatmap(title: "cm", counts: counts, classNames: ["a", "b", "c"], normalizeRows: false).svg()
        #expect(reportTextElements(raw).map(\.text).contains("4"))
    }

    @Test func bigHeatmapsRotateLabelsAndOmitValues() {
        let n = 30
        let counts = (0..<n).map { r in (0..<n).map { $0 == r ? 10 : 1 } }
        let svg = Heatmap(title: "", counts: counts, classNames: (0..<n).map { "class\($0)" }).svg()
        #expect(reportCount("class=\"cell\"", in: svg) == n * n)
        #expect(svg.contains("rotate(-45"))
        #expect(!reportTextElements(svg).contains { $0.text.hasPrefix("0.2") })
        #expect(reportTagsBalanced(svg))
        let empty = Heatmap(title: "", matrix: [], classNames: []).svg()
        #expect(reportTagsBalanced(empty) && reportCount("class=\"cell\"", in: empty) == 0)
    }
}
