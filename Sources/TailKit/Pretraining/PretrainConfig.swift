import Foundation
import TorchNN

/// The self-supervised tasks `tailkit pretrain` runs (ISS 4.4 and 4.6).
public enum PretrainMethod: String, CaseIterable, Codable, Sendable {
    /// 4-way rotation prediction (pretrain_rot.py).
    case rotation
    /// MoCo v2 instance discrimination with a momentum key encoder and a queue (pretrain_moco.py).
    case moco

    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public init(parsing text: String) throws {
        guard let method = PretrainMethod(rawValue: text.lowercased()) else {
            throw TailKitError.invalidOption("unknown pre-training method '\(text)'; valid methods: \(PretrainMethod.validNames)")
        }
        self = method
    }
}

/// Every value that decides a pre-training run; written to its folder as `config.yaml`.
/// The defaults are the reference's for each method: rotation as train.py (SGD 0.1, wd 2e-4,
/// batch 128, step schedule), MoCo as pretrain_moco.py (SGD 0.015, wd 1e-4, batch 128, cosine,
/// K 65536, m 0.999, T 0.2, 128-d MLP head).
public struct PretrainConfig: Codable, Equatable, Sendable {
    public var method: PretrainMethod
    public var dataset = "fmnist"
    public var dataDir: String?
    public var imbFactor = 0.01
    public var imbType = "exp"
    public var arch = Architecture.resnet32
    public var epochs = 200
    public var lr: Double
    public var batchSize = 128
    public var wd: Double
    public var momentum = 0.9
    /// Seeds the long-tailed subset's per-class selection (the reference's `--rand_number`, default 0).
    public var randNumber = 0
    /// Seeds the initial weights, the batches and the rotations.
    public var seed = 0
    public var workers = 2
    public var device = "cpu"
    public var evalBatchSize = 256
    /// MoCo: negatives kept in the queue (capped to the training set's size when run).
    public var queueSize = 65536
    /// MoCo: dimension of the normalised embedding.
    public var mocoDim = 128
    public var mocoT = 0.2
    public var mocoM = 0.999
    /// MoCo: groups the batch is cut into for batch norm, as if each group were on its own GPU
    /// (see MoCoPretrainer: the one-process stand-in for shuffle-BN). 1 = plain BN.
    public var bnSplits = 4

    public init(method: PretrainMethod) {
        self.method = method
        switch method {
        case .rotation: lr = 0.1; wd = 2e-4
        case .moco: lr = 0.015; wd = 1e-4
        }
    }

    enum CodingKeys: String, CodingKey {
        case method, dataset, arch, epochs, lr, wd, momentum, seed, workers, device
        case dataDir = "data-dir", imbFactor = "imb-factor", imbType = "imb-type", batchSize = "batch-size"
        case evalBatchSize = "eval-batch-size", queueSize = "queue-size", mocoDim = "moco-dim", mocoT = "moco-t"
        case mocoM = "moco-m", bnSplits = "bn-splits", randNumber = "rand-number"
    }

    /// The schedule of the method: rotation uses train.py's (5 warm-up epochs, x0.01 at 80%,
    /// x0.0001 at 90%, scaled to `epochs`); MoCo lr·½(1 + cos(π e / E)), reaching 0.
    public func lrSchedule() -> any LRSchedule {
        switch method {
        case .rotation: return StepWarmupSchedule.reference(baseLR: lr, epochs: epochs)
        case .moco: return CosineSchedule(baseLR: lr, epochs: epochs, minLR: 0)
        }
    }

    /// Rejects values that cannot run, naming the flag.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TailKitError.invalidOption(message) } }
        try check(epochs > 0, "--epochs \(epochs) must be positive")
        try check(lr > 0 && lr.isFinite, "--lr \(lr) must be positive")
        try check(batchSize > 0, "--batch-size \(batchSize) must be positive")
        try check(wd >= 0, "weight decay \(wd) must not be negative")
        try check(workers >= 0, "--workers \(workers) must not be negative")
        guard method == .moco else { return }
        try check(queueSize >= batchSize, "--queue-size \(queueSize) must be at least the batch size \(batchSize)")
        try check(mocoDim > 0, "--moco-dim \(mocoDim) must be positive")
        try check(mocoT > 0 && mocoT.isFinite, "--moco-t \(mocoT) must be positive")
        try check(mocoM >= 0 && mocoM < 1, "--moco-m \(mocoM) must be in [0, 1)")
        try check(bnSplits >= 1 && bnSplits <= batchSize, "--bn-splits \(bnSplits) must be in 1...\(batchSize) (the batch size)")
    }

    /// One `key: value` line per setting that applies to the method, numbers as Swift prints
    /// them (0.1, not 1e-1), so the file reads like the command line.
    public func yaml() -> String {
        var lines = ["method: \(method.rawValue)", "dataset: \(dataset)"]
        if let dataDir { lines.append("data-dir: \(YAMLScalar.string(dataDir))") }
        lines += ["imb-factor: \(imbFactor)", "imb-type: \(imbType)", "arch: \(arch.rawValue)", "epochs: \(epochs)",
                  "lr: \(lr)", "batch-size: \(batchSize)", "wd: \(wd)", "momentum: \(momentum)",
                  "rand-number: \(randNumber)", "seed: \(seed)",
                  "workers: \(workers)", "device: \(device)"]
        switch method {
        case .rotation: lines.append("eval-batch-size: \(evalBatchSize)")
        case .moco: lines += ["queue-size: \(queueSize)", "moco-dim: \(mocoDim)", "moco-t: \(mocoT)", "moco-m: \(mocoM)",
                              "bn-splits: \(bnSplits)"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
