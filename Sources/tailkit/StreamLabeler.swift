import Foundation
import TailData
import TailKit

/// `pseudo-label --stdin`: records "ID<TAB>BASE64" in, "ID<TAB>LABEL<TAB>CONFIDENCE" out, in batches,
/// flushing after each so a pipe sees results as they come. A malformed record does not stop the stream:
/// it comes out as "ID<TAB>ERROR<TAB>PROBLEM" (ID "line N" when the line has none) in its place, and the
/// rest go on.
///
/// With a `TopConfidenceSelection` quota list it keeps the records instead, and at the end writes the
/// selected ones as a pool pickle (the single-process twin of `scripts/spark_pseudo_label.py`).
struct StreamLabeler {
    let labeler: PseudoLabeler
    let like: ImageSet

    /// What a selecting run ends with.
    struct Selection {
        var quotas: [Int]
        var out: String
    }

    func run(selecting selection: Selection? = nil) throws {
        var ids: [String] = [], bytes: [UInt8] = []
        var kept: [TopConfidenceSelection.Prediction] = [], keptBytes: [UInt8] = [], malformed: [String] = []
        var lineNumber = 0
        func flush() throws {
            let predictions = try label(ids, bytes)
            if selection == nil {
                FileHandle.standardOutput.write(Data(predictions.map { "\($0.id)\t\($0.label)\t\(Self.text($0.confidence))\n" }.joined().utf8))
            } else {
                kept += predictions
                keptBytes += bytes
            }
            ids.removeAll(keepingCapacity: true)
            bytes.removeAll(keepingCapacity: true)
        }
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.isEmpty { continue }
            switch parse(line, lineNumber) {
            case .success(let (id, image)):
                ids.append(id)
                bytes += image
                if ids.count == labeler.batchSize { try flush() }
            case .failure(let problem):
                malformed.append(problem.id)
                guard selection == nil else { continue }
                try flush()  // the records before it first: output lines keep the input's order
                FileHandle.standardOutput.write(Data("\(problem.id)\tERROR\t\(problem.text)\n".utf8))
            }
        }
        try flush()
        if !malformed.isEmpty {
            FileHandle.standardError.write(Data("pseudo-label --stdin: \(malformed.count) malformed records left out: \(malformed.joined(separator: ", "))\n".utf8))
        }
        if let selection { try write(selection, kept, keptBytes) }
    }

    /// The confidence as the stream prints it (six decimals); selection compares these values, so one
    /// process and the Spark job, which reads the printed text, rank records the same way.
    static func text(_ confidence: Double) -> String { String(format: "%.6f", confidence) }

    private struct Problem: Error {
        var id: String
        var text: String
    }

    private func parse(_ line: String, _ n: Int) -> Result<(String, [UInt8]), Problem> {
        let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
        let id = parts.count == 2 && !parts[0].isEmpty ? String(parts[0]) : "line \(n)"
        guard parts.count == 2, let data = Data(base64Encoded: String(parts[1])) else {
            return .failure(Problem(id: id, text: "expected ID<TAB>BASE64 of the image bytes"))
        }
        guard data.count == like.imageBytes else {
            return .failure(Problem(id: id, text: "image of \(data.count) bytes; this model takes \(like.height)x\(like.width)x\(like.channels) = \(like.imageBytes) uint8 (HWC)"))
        }
        return .success((id, [UInt8](data)))
    }

    private func label(_ ids: [String], _ bytes: [UInt8]) throws -> [TopConfidenceSelection.Prediction] {
        guard !ids.isEmpty else { return [] }
        let batch = ImageSet(images: bytes, labels: [Int](repeating: -1, count: ids.count), height: like.height,
                             width: like.width, channels: like.channels, classNames: like.classNames)
        let result = try labeler.label(batch)
        return ids.indices.map { i in
            TopConfidenceSelection.Prediction(id: ids[i], label: result.labels[i], confidence: Double(Self.text(result.confidences[i])) ?? 0)
        }
    }

    private func write(_ selection: Selection, _ kept: [TopConfidenceSelection.Prediction], _ bytes: [UInt8]) throws {
        let chosen = TopConfidenceSelection.select(kept, quotas: selection.quotas)
        let size = like.imageBytes
        var images: [UInt8] = []
        images.reserveCapacity(chosen.count * size)
        for i in chosen { images += bytes[(i * size)..<((i + 1) * size)] }
        let pool = ImageSet(images: images, labels: chosen.map { kept[$0].label }, height: like.height, width: like.width,
                            channels: like.channels, classNames: like.classNames)
        try UnlabeledPool.write(pool, to: selection.out)
        FileHandle.standardError.write(Data("selected \(chosen.count) of \(kept.count) records (quotas \(selection.quotas)); wrote \(selection.out)\n".utf8))
    }
}
