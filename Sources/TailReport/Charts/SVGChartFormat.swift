import Foundation

/// Locale-independent, compact number formatting for SVG output: the same numbers always give
/// byte-identical text, and coordinates carry no more digits than a screen can show.
enum SVGChartFormat {
    /// A pixel coordinate: at most two decimals, trailing zeros dropped ("12.5", "40").
    static func coordinate(_ value: Double) -> String {
        fixed(value, decimals: 2, trimZeros: true)
    }

    /// `value` rounded to `decimals` places; non-finite values give "0" so the SVG stays valid.
    static func fixed(_ value: Double, decimals: Int, trimZeros: Bool) -> String {
        guard value.isFinite else { return "0" }
        let places = max(0, min(decimals, 9))
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        // Beyond Int64's exact range fixed notation is meaningless anyway.
        guard scaled < 9e15 else { return compact(value) }
        let units = Int64(scaled)
        var text = String(units / scale)
        if places > 0 {
            var fraction = String(units % scale)
            fraction = String(repeating: "0", count: places - fraction.count) + fraction
            if trimZeros { while fraction.hasSuffix("0") { fraction.removeLast() } }
            if !fraction.isEmpty { text += "." + fraction }
        }
        return units != 0 && value < 0 ? "-" + text : text
    }

    /// A short label for any magnitude: fixed notation for everyday values, "2.5e6" style for
    /// very large or very small ones.
    static func compact(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 1e6 || magnitude < 1e-4 {
            var exponent = Int(floor(log10(magnitude)))
            var mantissa = value / pow(10, Double(exponent))
            if abs(mantissa) >= 9.995 {
                mantissa /= 10
                exponent += 1
            }
            return fixed(mantissa, decimals: 2, trimZeros: true) + "e" + String(exponent)
        }
        return fixed(value, decimals: magnitude >= 100 ? 1 : 4, trimZeros: true)
    }
}
