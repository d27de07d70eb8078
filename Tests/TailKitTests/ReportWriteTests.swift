import Foundation
import Testing
import TestSupport
import TailKit
import TailReport

/// The sample document of TailReportTests' `ReportTests.swift`.
private func reportWriteSampleDocument() -> ReportDocument {
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

/// `ReportDocument.write(to:)`, which TailKit adds to TailReport's documents.
@Suite struct ReportDocumentWriteTests {
    @Test func writesAtomicallyAndReportsBadPaths() throws {
        let temp = try TemporaryFolder("report-test")
        defer { temp.remove() }
        let folder = temp.path
        let document = reportWriteSampleDocument()
        let path = folder + "/report.html"
        try document.write(to: path)
        try document.write(to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == document.render())
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.html"])
        #expect(throws: TailKitError.self) { try document.write(to: folder + "/missing/report.html") }
    }
}
