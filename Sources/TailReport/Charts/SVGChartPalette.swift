/// Colours for series and classes. Up to 20 entries come from a fixed categorical palette (ten
/// strong colours, then ten lighter ones); beyond 20 the hues cycle by the golden angle, which
/// keeps neighbouring class indices apart.
enum SVGChartPalette {
    private static let categorical = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
        "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ]

    /// The colour of entry `index` out of `count` entries.
    static func color(_ index: Int, of count: Int) -> String {
        guard index >= 0 else { return "#999999" }
        if count <= categorical.count { return categorical[index % categorical.count] }
        let hue = (Double(index) * 137.508).truncatingRemainder(dividingBy: 360)
        let lightness = [45.0, 60.0, 35.0][index % 3]
        return "hsl(\(SVGChartFormat.fixed(hue, decimals: 1, trimZeros: true)),65%,\(Int(lightness))%)"
    }
}
