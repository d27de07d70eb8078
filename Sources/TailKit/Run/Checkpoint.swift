import Foundation
import Torch
import TorchFile
import TorchNN

/// A training checkpoint in PyTorch's own format, laid out like the reference's `ckpt.pth.tar`
/// (`epoch`, `arch`, `state_dict`, `best_acc1`, `optimizer`) plus what TailKit needs to resume and
/// evaluate on its own (`step`, `task_state`, `config`, `class_counts`). Python reads it with
/// `torch.load(path, weights_only=True)`; `ckpt['state_dict']` loads into the reference model.
public struct Checkpoint {
    /// Epochs finished.
    public var epoch: Int
    /// Optimizer steps done (nil in files that do not say: the reference's).
    public var step: Int?
    public var arch: String
    /// The best value of the task's selection metric (top-1 for classifiers), as `best_acc1`.
    public var bestTop1: Double
    public var stateDict: [(String, Tensor)]
    public var optimizerState: [(String, Tensor)]
    /// The task's own state: queues, per-sample tables, EMA weights, counters.
    public var taskState: [(String, Tensor)]
    /// The run's resolved configuration as JSON.
    public var configJSON: String
    public var classCounts: [Int]
    /// Class names, normalisation and input size of a classifier (nil in older and reference files).
    public var modelInput: ModelInput?

    public init(epoch: Int, step: Int? = nil, arch: String, bestTop1: Double, stateDict: [(String, Tensor)],
                optimizerState: [(String, Tensor)], taskState: [(String, Tensor)] = [], configJSON: String, classCounts: [Int],
                modelInput: ModelInput? = nil) {
        self.epoch = epoch
        self.step = step
        self.arch = arch
        self.bestTop1 = bestTop1
        self.stateDict = stateDict
        self.optimizerState = optimizerState
        self.taskState = taskState
        self.configJSON = configJSON
        self.classCounts = classCounts
        self.modelInput = modelInput
    }

    /// Writes atomically: a crash mid-write leaves the previous checkpoint intact.
    public func write(to path: String) throws {
        var entries: [TorchValue.Entry] = [
            .init(.string("epoch"), .int(epoch)),
            .init(.string("arch"), .string(arch)),
            .init(.string("best_acc1"), .float(bestTop1)),
            .init(.string("state_dict"), .stateDict(try stateDict.map { ($0.0, try $0.1.stored()) })),
            .init(.string("optimizer"), .stateDict(try optimizerState.map { ($0.0, try $0.1.stored()) })),
            .init(.string("config"), .string(configJSON)),
            .init(.string("class_counts"), .list(classCounts.map { .int($0) })),
            .init(.string("task_state"), .stateDict(try taskState.map { ($0.0, try $0.1.stored()) })),
        ]
        if let step { entries.append(.init(.string("step"), .int(step))) }
        if let modelInput { entries += modelInput.entries }
        let value = TorchValue.dict(entries, ordered: false)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        try AtomicFile.write(try TorchFile.encode(value, archiveName: name, path: path), to: path)
    }

    /// Reads a TailKit checkpoint (all fields) or a reference one (weights, epoch, best accuracy).
    public static func read(from path: String) throws -> Checkpoint {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TailKitError.badFile(path: path, problem: "checkpoint not found")
        }
        let root = try TorchFile.load(path: path)
        guard case .dict = root else { throw TailKitError.badFile(path: path, problem: "not a checkpoint (no dict inside)") }
        let weights = try modelWeights(from: path)
        return Checkpoint(
            epoch: root["epoch"].flatMap(intValue) ?? 0,
            step: root["step"].flatMap(intValue),
            arch: root["arch"].flatMap(stringValue) ?? "",
            bestTop1: root["best_acc1"].flatMap(doubleValue) ?? 0,
            stateDict: weights,
            optimizerState: try tensorEntries(root["optimizer"]),
            taskState: try tensorEntries(root["task_state"]),
            configJSON: root["config"].flatMap(stringValue) ?? "",
            classCounts: root["class_counts"].flatMap(intList) ?? [],
            modelInput: try ModelInput.read(root, path: path))
    }

    /// The model weights of any checkpoint, zip or legacy format: a bare state dict, or a dict
    /// holding one under `state_dict`, with the reference's key conventions mapped to TailKit's
    /// (`module.` removed, a MoCo file's query-encoder backbone, `linear` → `fc`; see
    /// `ReferenceCheckpointKeys`).
    public static func modelWeights(from path: String) throws -> [(String, Tensor)] {
        try ReferenceCheckpointKeys.normalize(try Torch.loadTensors(from: path), path: path)
    }

    /// Whether the weights end in the reference's cosine classifier (NormedLinear, LDAM): an
    /// `fc.weight` of shape [features, classes] and no `fc.bias`.
    public var hasCosineClassifier: Bool {
        stateDict.contains { $0.0 == "fc.weight" && $0.1.shape.count == 2 }
            && !stateDict.contains { $0.0 == "fc.bias" }
    }

    private static func tensorEntries(_ value: TorchValue?) throws -> [(String, Tensor)] {
        guard case .dict(let entries, _)? = value else { return [] }
        return try entries.compactMap { entry in
            guard case .string(let name) = entry.key, case .tensor(let t) = entry.value else { return nil }
            return (name, try Tensor(t))
        }
    }

    private static func intValue(_ v: TorchValue) -> Int? {
        switch v {
        case .int(let i): return i
        case .tensor(let t): return (try? t.int64Values())?.first.map { Int($0) }
        default: return nil
        }
    }

    private static func doubleValue(_ v: TorchValue) -> Double? {
        switch v {
        case .float(let d): return d
        case .int(let i): return Double(i)
        case .tensor(let t): return try? t.doubleValues().first
        default: return nil
        }
    }

    private static func stringValue(_ v: TorchValue) -> String? {
        if case .string(let s) = v { return s }
        return nil
    }

    private static func intList(_ v: TorchValue) -> [Int]? {
        guard case .list(let items) = v else { return nil }
        return items.compactMap(intValue)
    }
}
