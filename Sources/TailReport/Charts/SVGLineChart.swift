/// A line chart of named series (loss and accuracy curves, learning rates). Points that are NaN or
/// infinite, or not positive on a log axis, are skipped and break the line there.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }

        /// A series over x = 1, 2, 3, … (e.g. one value per epoch).
        public init(name: String, values: [Double]) {
            self.init(name: name, points: values.enumerated().map { (x: Double($0.offset + 1), y: $0.element) })
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var logY: Bool

    public init(title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
    }

    /// Series with at most this many points also get a dot per point, with its value as tooltip.
    static let markerLimit = 40

    /// The chart as a standalone `<svg>` element.
    public func svg() -> String {
        let width = 680.0
        let height = max(380, 60 + Double(series.count) * 18)
        let legend = SVGChartFrame.legendWidth(series.map(\.name))
        let top = 40.0, bottom = height - 56
        let drawable = series.map { $0.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) } }
        let y = SVGChartScale.fitting(drawable.flatMap { $0.map(\.y) }, isLog: logY, from: bottom, to: top)
        let widestTick = y.ticks.map { SVGChartFrame.textWidth($0.label, size: 11) }.max() ?? 0
        let left = max(56, widestTick + 34)
        let right = width - 16 - legend
        let x = SVGChartScale.fitting(drawable.flatMap { $0.map(\.x) }, isLog: false, from: left, to: right)

        var canvas = SVGChartCanvas(width: width, height: height)
        let frame = SVGChartFrame(left: left, top: top, right: right, bottom: bottom)
        frame.draw(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel, x: x, y: y)
        if drawable.allSatisfy(\.isEmpty) {
            canvas.text("no data", (left + right) / 2, (top + bottom) / 2, size: 13, anchor: .middle, fill: "#9ca3af")
        }
        for (index, line) in series.enumerated() {
            let color = SVGChartPalette.color(index, of: series.count)
            drawSeries(line, color: color, x: x, y: y, on: &canvas)
        }
        let entries = series.enumerated().map { (name: $0.element.name, color: SVGChartPalette.color($0.offset, of: series.count)) }
        frame.drawLegend(on: &canvas, entries: entries, dots: false)
        return canvas.svg(title: title)
    }

    private func drawSeries(_ line: Series, color: String, x: SVGChartScale, y: SVGChartScale, on canvas: inout SVGChartCanvas) {
        var path = ""
        var penDown = false
        for point in line.points {
            guard x.accepts(point.x), y.accepts(point.y) else {
                penDown = false
                continue
            }
            path += (penDown ? " L" : (path.isEmpty ? "M" : " M"))
            path += "\(SVGChartFormat.coordinate(x.pixel(point.x))) \(SVGChartFormat.coordinate(y.pixel(point.y)))"
            penDown = true
        }
        if !path.isEmpty {
            let open = "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\""
            canvas.raw(SVGChartCanvas.close(open, element: "path", tooltip: line.name))
        }
        guard line.points.count <= Self.markerLimit else { return }
        for point in line.points where x.accepts(point.x) && y.accepts(point.y) {
            let tip = "\(line.name): (\(SVGChartFormat.compact(point.x)), \(SVGChartFormat.compact(point.y)))"
            canvas.circle(x.pixel(point.x), y.pixel(point.y), radius: 2.5, fill: color, tooltip: tip)
        }
    }
}
