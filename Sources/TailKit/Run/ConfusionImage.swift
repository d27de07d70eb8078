/// A row-normalised confusion matrix as a small RGB picture (white = 0, dark blue = 1),
/// each cell a square of pixels, for TensorBoard's image tab.
struct ConfusionImage {
    let width: Int
    let height: Int
    let rgb: [UInt8]

    init(_ confusion: [[Int]], cell: Int = 16) {
        let n = confusion.count
        width = max(1, n * cell)
        height = width
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        for (r, row) in confusion.enumerated() {
            let total = max(1, row.reduce(0, +))
            for (c, v) in row.enumerated() {
                let t = Double(v) / Double(total)
                let color = [UInt8(255 - 247 * t), UInt8(255 - 207 * t), UInt8(255 - 148 * t)]
                for y in (r * cell)..<((r + 1) * cell) {
                    for x in (c * cell)..<((c + 1) * cell) {
                        let o = (y * width + x) * 3
                        pixels[o] = color[0]; pixels[o + 1] = color[1]; pixels[o + 2] = color[2]
                    }
                }
            }
        }
        rgb = pixels
    }
}
