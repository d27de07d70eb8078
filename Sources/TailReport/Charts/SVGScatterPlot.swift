/// A scatter plot of class-coloured points: t-SNE embeddings, or per-class accuracy against the
/// class's training count (log x). Classes get a legend up to `legendLimit`; past that the legend
/// would crowd out the plot, so each point's tooltip names its class instead.
public struct ScatterPlot: Sendable {
    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        /// Index into `classNames`; anything outside it is drawn grey.
        public var classIndex: Int
        /// Tooltip text; nil shows the class name.
        public var label: String?

        public init(x: Double, y: Double, classIndex: Int, label: String? = nil) {
            self.x = x
            self.y = y
            self.classIndex = classIndex
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [Point]
    public var classNames: [String]
    public var logX: Bool

    public init(title: String, xLabel: String = "", yLabel: String = "", points: [Point], classNames: [String], logX: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
        self.classNames = classNames
        self.logX = logX
    }

    public static let legendLimit = 20

    /// The plot as a standalone `<svg>` element.
    public func svg() -> String {
        let showsLegend = !classNames.isEmpty && classNames.count <= Self.legendLimit
        let legend = showsLegend ? SVGChartFrame.legendWidth(classNames) : 0
        let width = 600.0
        let height = max(440, showsLegend ? 60 + Double(classNames.count) * 18 : 0)
        let top = 40.0, bottom = height - 56
        let drawable = points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
        let y = SVGChartScale.fitting(drawable.map(\.y), isLog: false, from: bottom, to: top)
        let widestTick = y.ticks.map { SVGChartFrame.textWidth($0.label, size: 11) }.max() ?? 0
        let left = max(56, widestTick + 34)
        let right = width - 16 - legend
        let x = SVGChartScale.fitting(drawable.map(\.x), isLog: logX, from: left, to: right)

        var canvas = SVGChartCanvas(width: width, height: height)
        let frame = SVGChartFrame(left: left, top: top, right: right, bottom: bottom)
        frame.draw(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel, x: x, y: y)
        if drawable.isEmpty {
            canvas.text("no data", (left + right) / 2, (top + bottom) / 2, size: 13, anchor: .middle, fill: "#9ca3af")
        }
        let radius = drawable.count > 500 ? 2.2 : 3.5
        for point in drawable {
            let known = classNames.indices.contains(point.classIndex)
            let color = known ? SVGChartPalette.color(point.classIndex, of: classNames.count) : "#999999"
            let tip = point.label ?? (known ? classNames[point.classIndex] : "class \(point.classIndex)")
            canvas.circle(x.pixel(point.x), y.pixel(point.y), radius: radius, fill: color,
                          extra: " fill-opacity=\"0.8\"", tooltip: tip)
        }
        if showsLegend {
            let entries = classNames.enumerated().map { (name: $0.element, color: SVGChartPalette.color($0.offset, of: classNames.count)) }
            frame.drawLegend(on: &canvas, entries: entries, dots: true)
        }
        return canvas.svg(title: title)
    }
}
