import Foundation
import Yams

/// The settings of a partial-label run beyond the common ones of `TrainConfig`, under the same
/// kebab-case keys in `config.yaml` and on the command line (`tailkit pll`). Defaults are
/// RECORDS-LTPLL's `train.py` / `train_solar.py` flags (names in brackets):
///
/// - candidate sets: `partial-rate` q [partial_rate] 0.1, `hierarchical` [hierarchical] (CIFAR-100-LT-NU:
///   siblings flipped in with 8q), or a `candidates` file;
/// - CORR / RECORDS: `update-start` [upd_start] 1 (first epoch whose confidences are updated),
///   `feature-momentum` [m] 0.9, `mixup` and `mixup-weight` [alpha] 1.0 (the weight of the Mixup
///   term: the Beta(4, 4) of the mix is fixed, as in the reference);
/// - SoLar: `queue-batches` [queue_length] 64 batches of predictions, `sinkhorn-lambda` [lamd] 3,
///   `eta` 0.9, `tau` 0.99, `rho-start`/`rho-end` [rho_range] 0.2/0.8, `gamma-estimate`/`gamma-final`
///   [gamma] 0.1/0.01, `warmup-epochs` [warmup_epoch] 50, `estimate-epochs` [est_epochs] 20.
///
/// ```swift
/// var pll = PartialLabelConfig(method: .records)
/// pll.mixup = true
/// pll.applySoLarRecipe(classes: 100)      // rho 0.2-0.5, gamma 0.05/0.01, 20 estimation epochs
/// ```
public struct PartialLabelConfig: Codable, Equatable, Sendable {
    public var method = PartialLabelMethod.corr
    public var partialRate = 0.1
    public var hierarchical = false
    /// A file of candidate sets to use instead of generating them (see `CandidateSetFile`).
    public var candidates: String?
    public var updateStart = 1
    public var featureMomentum = 0.9
    public var mixup = false
    public var mixupWeight = 1.0
    public var queueBatches = 64
    public var sinkhornLambda = 3.0
    public var eta = 0.9
    public var tau = 0.99
    public var rhoStart = 0.2
    public var rhoEnd = 0.8
    public var gammaEstimate = 0.1
    public var gammaFinal = 0.01
    public var warmupEpochs = 50
    public var estimateEpochs = 20

    public init(method: PartialLabelMethod = .corr) { self.method = method }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, hierarchical, candidates, mixup, eta, tau
        case partialRate = "partial-rate", updateStart = "update-start", featureMomentum = "feature-momentum"
        case mixupWeight = "mixup-weight", queueBatches = "queue-batches", sinkhornLambda = "sinkhorn-lambda"
        case rhoStart = "rho-start", rhoEnd = "rho-end", gammaEstimate = "gamma-estimate", gammaFinal = "gamma-final"
        case warmupEpochs = "warmup-epochs", estimateEpochs = "estimate-epochs"
    }

    /// Every key optional: what a file leaves out keeps its default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func take<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        if let text = try c.decodeIfPresent(String.self, forKey: .method) { method = try PartialLabelMethod(parsing: text) }
        try take(.partialRate, &partialRate)
        try take(.hierarchical, &hierarchical)
        candidates = try c.decodeIfPresent(String.self, forKey: .candidates)
        try take(.updateStart, &updateStart)
        try take(.featureMomentum, &featureMomentum)
        try take(.mixup, &mixup)
        try take(.mixupWeight, &mixupWeight)
        try take(.queueBatches, &queueBatches)
        try take(.sinkhornLambda, &sinkhornLambda)
        try take(.eta, &eta)
        try take(.tau, &tau)
        try take(.rhoStart, &rhoStart)
        try take(.rhoEnd, &rhoEnd)
        try take(.gammaEstimate, &gammaEstimate)
        try take(.gammaFinal, &gammaFinal)
        try take(.warmupEpochs, &warmupEpochs)
        try take(.estimateEpochs, &estimateEpochs)
    }

    /// SoLar's README settings per data set: CIFAR-10 (rho 0.2-0.6, gamma 0.1/0.01, 100 estimation
    /// epochs) or, for 100 classes, CIFAR-100 (rho 0.2-0.5, gamma 0.05/0.01, 20 estimation epochs).
    public mutating func applySoLarRecipe(classes: Int) {
        rhoStart = 0.2
        if classes >= 100 {
            rhoEnd = 0.5; gammaEstimate = 0.05; gammaFinal = 0.01; estimateEpochs = 20
        } else {
            rhoEnd = 0.6; gammaEstimate = 0.1; gammaFinal = 0.01; estimateEpochs = 100
        }
    }

    /// Rejects values that cannot run, naming the flag.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TailKitError.invalidOption(message) } }
        if candidates == nil {
            try check(partialRate > 0 && partialRate < 1, "--partial-rate \(partialRate) must be in (0, 1): the probability that each false label joins a candidate set")
            if hierarchical {
                try check(partialRate * 8 <= 1, "--partial-rate \(partialRate) with --hierarchical flips siblings in with 8q = \(partialRate * 8), more than 1")
            }
        }
        try check(updateStart >= 0, "--update-start \(updateStart) must not be negative")
        try check(featureMomentum >= 0 && featureMomentum < 1, "--feature-momentum \(featureMomentum) must be in [0, 1)")
        try check(mixupWeight >= 0, "--mixup-weight \(mixupWeight) must not be negative")
        try check(!mixup || method == .records, "--mixup applies to --method records (SoLar always mixes; CORR has no Mixup variant)")
        guard method == .solar else { return }
        try check(queueBatches >= 0, "--queue-batches \(queueBatches) must not be negative")
        try check(sinkhornLambda > 0, "--sinkhorn-lambda \(sinkhornLambda) must be positive")
        try check(eta >= 0 && eta <= 1, "--eta \(eta) must be in [0, 1]")
        try check(rhoStart >= 0 && rhoEnd >= rhoStart && rhoEnd <= 1, "--rho-start \(rhoStart) / --rho-end \(rhoEnd) must satisfy 0 <= start <= end <= 1")
        try check(gammaEstimate >= 0 && gammaEstimate <= 1 && gammaFinal >= 0 && gammaFinal <= 1, "--gamma-estimate and --gamma-final must be in [0, 1]")
        try check(warmupEpochs >= 0 && estimateEpochs >= 0, "--warmup-epochs and --estimate-epochs must not be negative")
    }

    /// `key: value` pairs of the settings that apply to the method, for `config.yaml`.
    public func yamlSettings() -> [(String, String)] {
        var keys: [CodingKeys] = [.method]
        keys += candidates == nil ? [.partialRate, .hierarchical] : [.candidates]
        switch method {
        case .corr: keys += [.updateStart]
        case .records: keys += [.updateStart, .featureMomentum, .mixup] + (mixup ? [.mixupWeight] : [])
        case .solar: keys += [.queueBatches, .sinkhornLambda, .eta, .tau, .rhoStart, .rhoEnd, .gammaEstimate, .gammaFinal,
                              .warmupEpochs, .estimateEpochs]
        }
        return keys.map { ($0.rawValue, yamlValue($0)) }
    }

    private func yamlValue(_ key: CodingKeys) -> String {
        switch key {
        case .method: return method.rawValue
        case .partialRate: return "\(partialRate)"
        case .hierarchical: return "\(hierarchical)"
        case .candidates: return candidates.map(YAMLScalar.string) ?? ""
        case .updateStart: return "\(updateStart)"
        case .featureMomentum: return "\(featureMomentum)"
        case .mixup: return "\(mixup)"
        case .mixupWeight: return "\(mixupWeight)"
        case .queueBatches: return "\(queueBatches)"
        case .sinkhornLambda: return "\(sinkhornLambda)"
        case .eta: return "\(eta)"
        case .tau: return "\(tau)"
        case .rhoStart: return "\(rhoStart)"
        case .rhoEnd: return "\(rhoEnd)"
        case .gammaEstimate: return "\(gammaEstimate)"
        case .gammaFinal: return "\(gammaFinal)"
        case .warmupEpochs: return "\(warmupEpochs)"
        case .estimateEpochs: return "\(estimateEpochs)"
        }
    }
}
