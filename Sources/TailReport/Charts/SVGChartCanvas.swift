/// Accumulates the elements of one SVG chart. All text goes through the report's escaping and
/// all numbers through `SVGChartFormat`, so output is safe and byte-for-byte reproducible.
struct SVGChartCanvas {
    let width: Double
    let height: Double
    private(set) var body = ""

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// The finished `<svg>` element, sized by the page (it scales to its container's width).
    func svg(title: String) -> String {
        let w = SVGChartFormat.coordinate(width), h = SVGChartFormat.coordinate(height)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(w) \(h)\" "
            + "width=\"\(w)\" height=\"\(h)\" role=\"img\" aria-label=\"\(ReportHTMLEscaping.escape(title))\" "
            + "font-family=\"-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\">\n"
            + body + "</svg>"
    }

    mutating func raw(_ element: String) {
        body += element
        body += "\n"
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1) {
        raw("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\"/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, extra: String = "", tooltip: String? = nil) {
        let open = "<rect\(extra) x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"\(fill)\""
        raw(Self.close(open, element: "rect", tooltip: tooltip))
    }

    mutating func circle(_ cx: Double, _ cy: Double, radius: Double, fill: String, extra: String = "", tooltip: String? = nil) {
        let open = "<circle\(extra) cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"\(f(radius))\" fill=\"\(fill)\""
        raw(Self.close(open, element: "circle", tooltip: tooltip))
    }

    enum Anchor: String {
        case start, middle, end
    }

    /// Text at (x, y); `rotation` in degrees turns it about that point.
    mutating func text(_ content: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .start,
                       rotation: Double = 0, fill: String = "#374151", bold: Bool = false) {
        var attributes = "x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" fill=\"\(fill)\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { attributes += " font-weight=\"600\"" }
        if rotation != 0 { attributes += " transform=\"rotate(\(f(rotation)) \(f(x)) \(f(y)))\"" }
        raw("<text \(attributes)>\(ReportHTMLEscaping.escape(content))</text>")
    }

    /// A self-closing element, or one holding a `<title>` child that browsers show as a tooltip.
    static func close(_ open: String, element: String, tooltip: String?) -> String {
        guard let tooltip else { return open + "/>" }
        return open + "><title>\(ReportHTMLEscaping.escape(tooltip))</title></\(element)>"
    }

    private func f(_ value: Double) -> String { SVGChartFormat.coordinate(value) }
}
