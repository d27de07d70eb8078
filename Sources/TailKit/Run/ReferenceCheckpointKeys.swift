import Torch

/// Maps the key conventions of the reference's checkpoints onto TailKit's model keys, so that the
/// files `train.py`, `pretrain_rot.py` and `pretrain_moco.py` (YyzHarry/imbalanced-semi-self) write
/// load as they are:
///
/// 1. `module.` (DataParallel / DistributedDataParallel) is removed from every key.
/// 2. A MoCo file (`encoder_q.*`, `encoder_k.*`, `queue`, `queue_ptr`) gives the backbone of its
///    query encoder: `encoder_q.*` without the projection head `encoder_q.fc.*`, prefix removed
///    (`pretrain_moco.py`'s layout, read as `train.py` and `imagenet_inat/main.py` read it).
/// 3. `linear` in a key becomes `fc`, as `gen_pseudolabels.py` renames checkpoints of the older
///    CIFAR ResNet whose classifier was called `linear` (and TailKit's own files before 0.2).
///
/// ```swift
/// let weights = try ReferenceCheckpointKeys.normalize(rawWeights, path: "moco_ckpt_0200.pth.tar")
/// try model.loadStateDict(weights, strict: false)
/// ```
public enum ReferenceCheckpointKeys {
    public static func normalize(_ weights: [(String, Tensor)], path: String) throws -> [(String, Tensor)] {
        let unwrapped = weights.map { (stripPrefix("module.", from: $0.0), $0.1) }
        let backbone = try isMoCo(unwrapped) ? queryEncoderBackbone(unwrapped, path: path) : unwrapped
        let renamed = backbone.map { ($0.0.replacingOccurrences(of: "linear", with: "fc"), $0.1) }
        try requireUniqueKeys(renamed, path: path)
        return renamed
    }

    /// Whether the keys are those of a MoCo model (query and key encoders, the queue).
    static func isMoCo(_ weights: [(String, Tensor)]) -> Bool {
        weights.contains { key, _ in
            key.hasPrefix("encoder_q.") || key.hasPrefix("encoder_k.") || key == "queue" || key == "queue_ptr"
        }
    }

    private static func queryEncoderBackbone(_ weights: [(String, Tensor)], path: String) throws -> [(String, Tensor)] {
        let query = weights.filter { $0.0.hasPrefix("encoder_q.") }
        guard !query.isEmpty else {
            throw TailKitError.badFile(path: path, problem: "a MoCo checkpoint (it has \(weights.first { isMoCo([$0]) }?.0 ?? "queue") ...) without any encoder_q.* key: there is no query encoder to take the backbone from")
        }
        return query.map { (String($0.0.dropFirst("encoder_q.".count)), $0.1) }.filter { !$0.0.hasPrefix("fc.") }
    }

    private static func requireUniqueKeys(_ weights: [(String, Tensor)], path: String) throws {
        var seen = Set<String>()
        for (key, _) in weights where !seen.insert(key).inserted {
            throw TailKitError.badFile(path: path, problem: "the key '\(key)' appears twice once the reference's prefixes and names are mapped (module., encoder_q., linear -> fc)")
        }
    }

    private static func stripPrefix(_ prefix: String, from key: String) -> String {
        key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
    }
}
