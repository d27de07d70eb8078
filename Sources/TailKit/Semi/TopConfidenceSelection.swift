import TailData

/// A rho_U-controlled unlabeled set chosen by confidence: of the pool's pseudo-labeled records, class c
/// keeps the u_c predicted as c with the highest confidence (ties: the smaller record id, byte order).
/// The quotas follow imbalanced-semi-self's D_U shape (`dataset/imbalance_cifar.py`) with class c at rank c:
/// u'_c = int(floor(U / C) * f_U^(c/(C-1))), u_c = int(u'_c * U / sum u'), f_U = 1/rho_U.
/// A class with fewer candidates than its quota keeps them all.
///
/// The same selection runs in one process (`tailkit pseudo-label --stdin --select-out`) and in the Spark job
/// (`scripts/spark_pseudo_label.py`), which takes its quotas from `tailkit pseudo-label --plan`.
///
/// ```swift
/// let quotas = try TopConfidenceSelection.quotas(total: 3000, classes: 10, unlabeledImbFactor: 0.01)
/// let chosen = TopConfidenceSelection.select(predictions, quotas: quotas)   // indices, class 0's first
/// ```
public enum TopConfidenceSelection {
    public struct Prediction: Sendable, Equatable {
        public var id: String
        public var label: Int
        public var confidence: Double

        public init(id: String, label: Int, confidence: Double) {
            self.id = id
            self.label = label
            self.confidence = confidence
        }
    }

    /// u_c for classes 0 ..< C: UnlabeledSplit's D_U rule with U = `total` (a labeled total of U at size factor 1).
    public static func quotas(total: Int, classes: Int, unlabeledImbFactor: Double) throws -> [Int] {
        guard total > 0, classes > 1 else {
            throw TailKitError.invalidOption("--unlabeled-total \(total) must be positive, and the model needs at least 2 classes (has \(classes))")
        }
        guard unlabeledImbFactor > 0 && unlabeledImbFactor <= 1 else {
            throw TailKitError.invalidOption("--imb-factor-unlabel \(unlabeledImbFactor) must be in (0, 1]")
        }
        return try UnlabeledSplit.counts(labeledCountsByRank: [total] + [Int](repeating: 0, count: classes - 1),
                                         unlabeledImbFactor: unlabeledImbFactor, sizeFactor: 1)
    }

    /// Indices into `predictions` of the selected records: class 0's by falling confidence, then class 1's, ...
    public static func select(_ predictions: [Prediction], quotas: [Int]) -> [Int] {
        var byClass = [[Int]](repeating: [], count: quotas.count)
        for (i, p) in predictions.enumerated() where p.label >= 0 && p.label < quotas.count { byClass[p.label].append(i) }
        return byClass.enumerated().flatMap { c, members in
            members.sorted { a, b in
                let x = predictions[a], y = predictions[b]
                if x.confidence != y.confidence { return x.confidence > y.confidence }
                return Array(x.id.utf8).lexicographicallyPrecedes(Array(y.id.utf8))
            }.prefix(quotas[c])
        }
    }
}
