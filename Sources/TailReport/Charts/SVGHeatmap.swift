import Foundation

/// A confusion matrix drawn as a heatmap: rows are true classes, columns predicted ones. Row
/// normalisation turns counts into per-class recall rows, which keeps tail classes visible next
/// to head classes with a hundred times more samples.
public struct Heatmap: Sendable {
    public var title: String
    /// Row-major values; short rows count as zeros, NaN and infinities as zero.
    public var matrix: [[Double]]
    public var classNames: [String]
    public var normalizeRows: Bool
    public var xLabel: String
    public var yLabel: String

    public init(title: String, matrix: [[Double]], classNames: [String], normalizeRows: Bool = true,
                xLabel: String = "Predicted", yLabel: String = "True") {
        self.title = title
        self.matrix = matrix
        self.classNames = classNames
        self.normalizeRows = normalizeRows
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// A confusion matrix of counts, as TailKit's `ClassificationReport.confusion` holds it.
    public init(title: String, counts: [[Int]], classNames: [String], normalizeRows: Bool = true) {
        self.init(title: title, matrix: counts.map { $0.map(Double.init) }, classNames: classNames, normalizeRows: normalizeRows)
    }

    /// Values are written into the cells up to this many classes.
    public static let valueLimit = 12
    /// Cells get tooltips up to this many cells, to keep big matrices' files small.
    static let tooltipCellLimit = 1600

    /// The heatmap as a standalone `<svg>` element.
    public func svg() -> String {
        let rows = matrix.count
        let columns = max(matrix.map(\.count).max() ?? 0, rows == 0 ? 0 : 1)
        let raw = matrix.map { row in (0..<columns).map { $0 < row.count && row[$0].isFinite ? row[$0] : 0 } }
        let shown = normalizeRows ? raw.map(Self.normalized) : raw
        let peak = max(shown.flatMap { $0 }.max() ?? 0, normalizeRows ? 1 : 0)
        let layout = HeatmapLayout(rows: rows, columns: columns, names: (0..<max(rows, columns)).map { name($0) })

        var canvas = SVGChartCanvas(width: layout.width, height: layout.height)
        canvas.text(title, layout.width / 2, 22, size: 15, anchor: .middle, fill: "#111827", bold: true)
        if rows == 0 {
            canvas.text("no data", layout.left + 60, layout.top + 30, size: 13, anchor: .middle, fill: "#9ca3af")
        }
        let style = CellStyle(peak: peak, size: layout.cell, tooltips: rows * columns <= Self.tooltipCellLimit,
                              values: max(rows, columns) <= Self.valueLimit)
        for r in 0..<rows {
            for c in 0..<columns {
                let origin = (layout.left + Double(c) * layout.cell, layout.top + Double(r) * layout.cell)
                drawCell(row: r, column: c, value: shown[r][c], count: raw[r][c], at: origin, style: style, on: &canvas)
            }
        }
        drawAxisLabels(layout, on: &canvas)
        drawColorBar(at: layout.barX, top: layout.top, height: max(layout.gridHeight, 60), peak: peak, on: &canvas)
        return canvas.svg(title: title)
    }

    /// Where everything goes: cells fill a fixed square (capped for small matrices so cells stay
    /// readable), class names get the room their estimated width needs.
    private struct HeatmapLayout {
        let rows: Int, columns: Int
        let names: [String]
        let fontSize: Double
        let labelStep: Int
        let cell: Double
        let rotated: Bool
        let left: Double
        let top = 44.0
        let labelBand: Double

        init(rows: Int, columns: Int, names: [String]) {
            self.rows = rows
            self.columns = columns
            self.names = names
            let classes = max(rows, columns)
            let fontSize: Double = classes <= 12 ? 12 : classes <= 30 ? 10 : 8
            self.fontSize = fontSize
            // At most about 40 names per axis; more would overlap.
            labelStep = max(1, (classes + 39) / 40)
            let nameWidth = names.map { SVGChartFrame.textWidth($0, size: fontSize) }.max() ?? 0
            let side = 440.0
            let cell = classes == 0 ? side : (classes <= Heatmap.valueLimit ? min(52, side / Double(classes)) : side / Double(classes))
            self.cell = cell
            rotated = classes > 6 || nameWidth > cell
            left = 36 + nameWidth + 8
            labelBand = rotated ? nameWidth * 0.71 + 18 : 22
        }

        var gridWidth: Double { cell * Double(columns) }
        var gridHeight: Double { cell * Double(rows) }
        var barX: Double { left + max(gridWidth, 120) + 22 }
        var width: Double { barX + 14 + 56 }
        var height: Double { top + max(gridHeight, 60) + labelBand + 34 }
    }

    private func drawAxisLabels(_ layout: HeatmapLayout, on canvas: inout SVGChartCanvas) {
        let size = layout.fontSize, cell = layout.cell
        for r in stride(from: 0, to: layout.rows, by: layout.labelStep) {
            let y = layout.top + (Double(r) + 0.5) * cell + size * 0.35
            canvas.text(layout.names[r], layout.left - 6, y, size: size, anchor: .end)
        }
        let labelY = layout.top + layout.gridHeight + 6
        for c in stride(from: 0, to: layout.columns, by: layout.labelStep) {
            let x = layout.left + (Double(c) + 0.5) * cell
            if layout.rotated {
                canvas.text(layout.names[c], x + size * 0.35, labelY + size * 0.6, size: size, anchor: .end, rotation: -45)
            } else {
                canvas.text(layout.names[c], x, labelY + size, size: size, anchor: .middle)
            }
        }
        let middleX = layout.left + layout.gridWidth / 2
        canvas.text(xLabel, middleX, layout.top + layout.gridHeight + layout.labelBand + 20, size: 12, anchor: .middle)
        canvas.text(yLabel, 16, layout.top + layout.gridHeight / 2, size: 12, anchor: .middle, rotation: -90)
    }

    private func name(_ index: Int) -> String {
        let full = index < classNames.count ? classNames[index] : String(index)
        return full.count > 16 ? String(full.prefix(15)) + "…" : full
    }

    private struct CellStyle {
        var peak: Double
        var size: Double
        var tooltips: Bool
        var values: Bool
    }

    private func drawCell(row: Int, column: Int, value: Double, count: Double,
                          at origin: (x: Double, y: Double), style: CellStyle, on canvas: inout SVGChartCanvas) {
        let level = style.peak > 0 ? value / style.peak : 0
        let size = style.size
        var tooltip: String? = nil
        if style.tooltips {
            let trueName = row < classNames.count ? classNames[row] : String(row)
            let predictedName = column < classNames.count ? classNames[column] : String(column)
            let amount = normalizeRows
                ? "\(SVGChartFormat.fixed(value, decimals: 3, trimZeros: false)) (\(SVGChartFormat.compact(count)))"
                : SVGChartFormat.compact(value)
            tooltip = "true \(trueName), predicted \(predictedName): \(amount)"
        }
        canvas.rect(origin.x, origin.y, size, size, fill: Self.color(level), extra: " class=\"cell\"", tooltip: tooltip)
        guard style.values else { return }
        let text = normalizeRows ? SVGChartFormat.fixed(value, decimals: 2, trimZeros: false) : SVGChartFormat.compact(value)
        canvas.text(text, origin.x + size / 2, origin.y + size / 2 + 4, size: min(12, size * 0.3), anchor: .middle,
                    fill: level > 0.55 ? "#ffffff" : "#1f2937")
    }

    private func drawColorBar(at x: Double, top: Double, height: Double, peak: Double, on canvas: inout SVGChartCanvas) {
        let steps = 24
        let band = height / Double(steps)
        for step in 0..<steps {
            let level = 1 - (Double(step) + 0.5) / Double(steps)
            canvas.rect(x, top + Double(step) * band, 14, band + 0.5, fill: Self.color(level))
        }
        let highLabel = normalizeRows ? "1.00" : SVGChartFormat.compact(peak)
        canvas.text(highLabel, x + 18, top + 9, size: 11)
        canvas.text(normalizeRows ? "0.00" : "0", x + 18, top + height, size: 11)
    }

    static func normalized(_ row: [Double]) -> [Double] {
        let total = row.reduce(0, +)
        return total > 0 ? row.map { $0 / total } : row.map { _ in 0 }
    }

    /// A sequential white-to-navy scale for `level` in [0, 1].
    static func color(_ level: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107),
        ]
        let t = min(max(level.isFinite ? level : 0, 0), 1) * Double(stops.count - 1)
        let index = min(Int(t), stops.count - 2)
        let w = t - Double(index)
        let a = stops[index], b = stops[index + 1]
        func channel(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * w).rounded()) }
        return hex(channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }

    private static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { "\(digits[$0 / 16])\(digits[$0 % 16])" }.joined()
    }
}
