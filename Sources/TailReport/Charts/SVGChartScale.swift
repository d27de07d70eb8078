import Foundation

/// One chart axis: maps data values to pixels, linearly or on a log10 scale, and chooses "nice"
/// tick values (1-2-5 steps; whole decades on log axes) that bracket the data.
struct SVGChartScale {
    struct Tick {
        var value: Double
        var label: String
    }

    let lower: Double
    let upper: Double
    let isLog: Bool
    let pixelStart: Double
    let pixelEnd: Double
    let ticks: [Tick]

    /// The pixel position of `value`; on a log axis non-positive values fall to the axis start.
    func pixel(_ value: Double) -> Double {
        let fraction: Double
        if isLog {
            guard value > 0 else { return pixelStart }
            fraction = (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        } else {
            fraction = (value - lower) / (upper - lower)
        }
        return pixelStart + fraction * (pixelEnd - pixelStart)
    }

    /// Whether `value` can be drawn on this axis at all.
    func accepts(_ value: Double) -> Bool {
        value.isFinite && (!isLog || value > 0)
    }

    /// A scale for the finite (and, for log, positive) values among `values`.
    static func fitting(_ values: [Double], isLog: Bool, from pixelStart: Double, to pixelEnd: Double) -> SVGChartScale {
        let usable = values.filter { $0.isFinite && (!isLog || $0 > 0) }
        let low = usable.min(), high = usable.max()
        if isLog {
            return logarithmic(low: low ?? 1, high: high ?? 10, from: pixelStart, to: pixelEnd)
        }
        return linear(low: low ?? 0, high: high ?? 1, from: pixelStart, to: pixelEnd)
    }

    static func linear(low: Double, high: Double, from pixelStart: Double, to pixelEnd: Double) -> SVGChartScale {
        // Clamped so that high - low stays finite.
        var low = min(max(low, -1e306), 1e306), high = min(max(high, -1e306), 1e306)
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = niceStep((high - low) / 5)
        let first = Int((low / step).rounded(.down))
        let last = Int((high / step).rounded(.up))
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        let useCompact = max(abs(low), abs(high)) >= 1e6 || step < 1e-4
        let ticks = (first...last).map { index -> Tick in
            let value = Double(index) * step
            let label = useCompact ? SVGChartFormat.compact(value) : SVGChartFormat.fixed(value, decimals: decimals, trimZeros: false)
            return Tick(value: value, label: label)
        }
        return SVGChartScale(lower: Double(first) * step, upper: Double(last) * step, isLog: false,
                             pixelStart: pixelStart, pixelEnd: pixelEnd, ticks: ticks)
    }

    /// Whole decades around the data; a single decade also gets 2 and 5 ticks so it has labels.
    static func logarithmic(low: Double, high: Double, from pixelStart: Double, to pixelEnd: Double) -> SVGChartScale {
        let firstDecade = Int(log10(low).rounded(.down))
        var lastDecade = Int(log10(high).rounded(.up))
        if lastDecade == firstDecade { lastDecade += 1 }
        var ticks: [Tick] = []
        for decade in firstDecade...lastDecade {
            let base = pow(10, Double(decade))
            ticks.append(Tick(value: base, label: SVGChartFormat.compact(base)))
            if lastDecade - firstDecade == 1 && decade < lastDecade {
                ticks.append(Tick(value: 2 * base, label: SVGChartFormat.compact(2 * base)))
                ticks.append(Tick(value: 5 * base, label: SVGChartFormat.compact(5 * base)))
            }
        }
        return SVGChartScale(lower: pow(10, Double(firstDecade)), upper: pow(10, Double(lastDecade)), isLog: true,
                             pixelStart: pixelStart, pixelEnd: pixelEnd, ticks: ticks)
    }

    /// The 1-2-5 step at or just above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }
}
