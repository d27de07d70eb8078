import Foundation
import TailData

/// Candidate sets as a text file: one line per training sample, in the run's training-set order,
/// holding that sample's candidate classes as integers separated by spaces; `#` starts a comment
/// line. A run folder keeps the sets it trained with as `candidates.txt`, so a resumed or repeated
/// run uses exactly the same sets; `tailkit pll --candidates FILE` brings one's own.
///
///     # 12406 samples, 10 classes
///     3 7
///     0
///     1 4 9
///
/// ```swift
/// try CandidateSetFile.write(sets, to: "runs/x/candidates.txt")
/// let sets = try CandidateSetFile.read("runs/x/candidates.txt", classes: 10, trueLabels: labels)
/// ```
public enum CandidateSetFile {
    public static let fileName = "candidates.txt"

    public static func write(_ sets: CandidateLabels, to path: String) throws {
        var text = "# \(sets.count) samples, \(sets.classes) classes: the candidate labels of each training sample, one line each\n"
        for n in 0..<sets.count { text += sets.candidates(of: n).map(String.init).joined(separator: " ") + "\n" }
        try AtomicFile.write(Array(text.utf8), to: path)
    }

    /// Reads and checks the sets: exactly `trueLabels.count` rows, classes in 0..<classes, no empty
    /// row, and every row holding the sample's true label (partial-label learning assumes it).
    public static func read(_ path: String, classes: Int, trueLabels: [Int]) throws -> CandidateLabels {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TailKitError.badFile(path: path, problem: "cannot read the candidate-set file")
        }
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespaces).hasPrefix("#") && !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }
        guard rows.count == trueLabels.count else {
            throw TailKitError.badFile(path: path, problem: "has \(rows.count) candidate sets for the \(trueLabels.count) training samples of this data set and split")
        }
        var mask = [UInt8](repeating: 0, count: trueLabels.count * classes)
        for (n, (lineIndex, line)) in rows.enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
            for field in fields {
                guard let c = Int(field), c >= 0, c < classes else {
                    throw TailKitError.badFile(path: path, problem: "line \(lineIndex + 1): '\(field)' is not a class in 0...\(classes - 1)")
                }
                mask[n * classes + c] = 1
            }
            guard !fields.isEmpty else {
                throw TailKitError.badFile(path: path, problem: "line \(lineIndex + 1): an empty candidate set")
            }
            guard mask[n * classes + trueLabels[n]] == 1 else {
                throw TailKitError.badFile(path: path, problem: "line \(lineIndex + 1): the set of sample \(n) lacks its true label \(trueLabels[n])")
            }
        }
        return CandidateLabels(classes: classes, mask: mask)
    }
}
