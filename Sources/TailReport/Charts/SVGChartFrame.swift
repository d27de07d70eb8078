/// The parts that line charts and scatter plots share: title, grid lines at the ticks, tick
/// labels, axis labels and a legend column to the right of the plot area.
struct SVGChartFrame {
    var left: Double
    var top: Double
    var right: Double
    var bottom: Double

    static let gridColor = "#e5e7eb"
    static let axisColor = "#6b7280"

    /// Estimated width of `text` at `size`; SVG cannot measure text, and layout only needs a rough guess.
    static func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.58
    }

    /// Room for a legend of `names`, capped so long names cannot squeeze the plot away.
    static func legendWidth(_ names: [String]) -> Double {
        guard let longest = names.map({ min($0.count, legendNameLimit) }).max() else { return 0 }
        return 34 + Double(longest) * 12 * 0.58
    }

    static let legendNameLimit = 24

    func draw(on canvas: inout SVGChartCanvas, title: String, xLabel: String, yLabel: String,
              x: SVGChartScale, y: SVGChartScale) {
        canvas.text(title, canvas.width / 2, 22, size: 15, anchor: .middle, fill: "#111827", bold: true)
        for tick in x.ticks {
            let px = x.pixel(tick.value)
            canvas.line(px, top, px, bottom, stroke: Self.gridColor)
            canvas.text(tick.label, px, bottom + 16, size: 11, anchor: .middle)
        }
        for tick in y.ticks {
            let py = y.pixel(tick.value)
            canvas.line(left, py, right, py, stroke: Self.gridColor)
            canvas.text(tick.label, left - 6, py + 4, size: 11, anchor: .end)
        }
        canvas.line(left, bottom, right, bottom, stroke: Self.axisColor)
        canvas.line(left, top, left, bottom, stroke: Self.axisColor)
        canvas.text(xLabel, (left + right) / 2, bottom + 38, size: 12, anchor: .middle)
        canvas.text(yLabel, 16, (top + bottom) / 2, size: 12, anchor: .middle, rotation: -90)
    }

    /// One legend row per entry: a swatch (line or dot) and the name, cut to a readable length
    /// with the full name as tooltip.
    func drawLegend(on canvas: inout SVGChartCanvas, entries: [(name: String, color: String)], dots: Bool) {
        let x = right + 14
        for (row, entry) in entries.enumerated() {
            let y = top + 8 + Double(row) * 18
            if dots {
                canvas.circle(x + 8, y, radius: 4.5, fill: entry.color)
            } else {
                canvas.line(x, y, x + 18, y, stroke: entry.color, width: 2.5)
            }
            let shown = entry.name.count > Self.legendNameLimit
                ? String(entry.name.prefix(Self.legendNameLimit - 1)) + "…" : entry.name
            canvas.text(shown, x + 24, y + 4, size: 12)
        }
    }
}
