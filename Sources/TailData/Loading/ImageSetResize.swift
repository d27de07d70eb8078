extension ImageSet {
    /// Every image resized to `height x width` with PIL's bilinear filter (`Image.resize`, antialiased:
    /// `AugImage.resizedBilinear`), labels kept. DASO's evaluation transform of STL-10 is this resize
    /// (96 -> 32, `DATASET.RESOLUTION`) then normalisation, deterministic, so it can be done once.
    ///
    /// ```swift
    /// let test32 = stl10Test.resized(height: 32, width: 32)
    /// ```
    public func resized(height outH: Int, width outW: Int) -> ImageSet {
        guard outH != height || outW != width else { return self }
        var out = [UInt8]()
        out.reserveCapacity(count * outH * outW * channels)
        for i in 0..<count { out.append(contentsOf: AugImage(self, index: i).resizedBilinear(width: outW, height: outH).pixels) }
        return ImageSet(images: out, labels: labels, height: outH, width: outW, channels: channels, classNames: classNames)
    }
}
