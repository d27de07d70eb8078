import Foundation
import TailData
import TailKit

/// `pseudo-label --stdin`: records "ID<TAB>BASE64" in, "ID<TAB>LABEL<TAB>CONFIDENCE" out, in
/// batches, flushing after each so a pipe sees results as they come.
struct StreamLabeler {
    let labeler: PseudoLabeler
    let like: ImageSet

    func run() throws {
        var ids: [String] = [], bytes: [UInt8] = []
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.isEmpty { continue }
            let (id, image) = try parse(line, lineNumber)
            ids.append(id)
            bytes += image
            if ids.count == labeler.batchSize { try flush(&ids, &bytes) }
        }
        try flush(&ids, &bytes)
    }

    private func parse(_ line: String, _ n: Int) throws -> (String, [UInt8]) {
        let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let data = Data(base64Encoded: String(parts[1])) else {
            throw TailKitError.badFile(path: "stdin line \(n)", problem: "expected ID<TAB>BASE64 of the image bytes")
        }
        guard data.count == like.imageBytes else {
            throw TailKitError.badFile(path: "stdin line \(n)", problem: "image of \(data.count) bytes; this model takes \(like.height)x\(like.width)x\(like.channels) = \(like.imageBytes) uint8 (HWC)")
        }
        return (String(parts[0]), [UInt8](data))
    }

    private func flush(_ ids: inout [String], _ bytes: inout [UInt8]) throws {
        guard !ids.isEmpty else { return }
        let batch = ImageSet(images: bytes, labels: [Int](repeating: -1, count: ids.count), height: like.height,
                             width: like.width, channels: like.channels, classNames: like.classNames)
        let result = try labeler.label(batch)
        var out = ""
        for (i, id) in ids.enumerated() { out += String(format: "%@\t%d\t%.6f\n", id, result.labels[i], result.confidences[i]) }
        FileHandle.standardOutput.write(Data(out.utf8))
        ids.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }
}
