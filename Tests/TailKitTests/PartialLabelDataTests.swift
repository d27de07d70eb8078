import Foundation
import Testing
@testable import TailKit
import TailData
import TestSupport

/// The partial-label training data against the reference's recipe, recomputed in Python from the
/// spec on a small CIFAR-100 written in its published pickle format: CIFAR-100-LT-NU's class-count
/// shuffle (Python `random` seeded with --seed), the per-class selection (numpy seeded with 0), and
/// the hierarchical candidate sets (one uniform [N, C] draw, siblings with 8q), all from one stream.
@Suite struct PartialLabelDataTests {
    @Test func hierarchicalSetsMatchTheReferenceRecipe() throws {
        let temp = try TemporaryFolder("tk-pll-cifar100")
        defer { temp.remove() }
        let superclasses = PartialLabels.cifar100SuperclassTable.map { $0.members }
        let script = """
        import json, os, pickle, random
        import numpy as np
        root = '\(temp.path)/cifar-100-python'
        os.makedirs(root)
        groups = \(superclasses)
        names = sorted(n for g in groups for n in g)
        rng = np.random.default_rng(5)
        def batch(per_class):
            labels = [c for c in range(100) for _ in range(per_class)]
            data = rng.integers(0, 256, size=(len(labels), 3072), dtype=np.uint8)
            return {b'fine_labels': labels, b'coarse_labels': [0] * len(labels), b'data': data}, labels
        train, labels = batch(10)
        pickle.dump(train, open(root + '/train', 'wb'))
        pickle.dump(batch(1)[0], open(root + '/test', 'wb'))
        pickle.dump({b'fine_label_names': [n.encode() for n in names], b'coarse_label_names': [b'x'] * 20},
                    open(root + '/meta', 'wb'))
        # The recipe: counts n_i = int(n_max f^(i/(C-1))), shuffled by random.shuffle with the seed.
        counts = [int(10 * 0.1 ** (i / 99)) for i in range(100)]
        random.seed(3)
        random.shuffle(counts)
        np.random.seed(0)
        y = np.array(labels)
        kept = []
        for c in range(100):
            idx = np.where(y == c)[0]
            np.random.shuffle(idx)
            kept += list(idx[:counts[c]])
        true = y[kept]
        sup = {n: g for g, members in enumerate(groups) for n in members}
        T = np.full((100, 100), 0.05)
        for a in range(100):
            for b in range(100):
                if sup[names[a]] == sup[names[b]]:
                    T[a, b] = 8 * 0.05
        R = np.random.uniform(0, 1, size=(len(true), 100))
        mask = (R < T[true]).astype(int)
        mask[np.arange(len(true)), true] = 1
        print(json.dumps({'labels': true.tolist(), 'counts': counts, 'mask': mask.reshape(-1).tolist()}))
        """
        let expected = try JSONSerialization.jsonObject(with: try TestPython.run(script)) as? [String: Any] ?? [:]
        let labels = try #require(expected["labels"] as? [Int]), counts = try #require(expected["counts"] as? [Int])
        let mask = try #require(expected["mask"] as? [Int])

        let loaded = try LoadedDataset.load(.cifar100, dataDir: temp.path)
        var base = TrainConfig(task: .pll)
        base.dataset = "cifar100"
        base.imbFactor = 0.1
        base.seed = 3
        var pll = PartialLabelConfig(method: .corr)
        pll.partialRate = 0.05
        pll.hierarchical = true
        let data = try PartialLabelData.make(from: loaded, config: base, pll: pll)
        try #require(data.train.labels.count == labels.count, "\(data.train.labels.count) vs \(labels.count) samples")
        #expect(data.train.labels == labels)
        #expect(data.train.classCounts() == counts)
        try #require(data.candidates.mask.count == mask.count)
        #expect(data.candidates.mask.map(Int.init) == mask)
        #expect(data.normalization == .recordsCIFAR100)
    }
}
