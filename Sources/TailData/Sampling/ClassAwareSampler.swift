/// Class-aware sampling of the classifier-balancing code (imbalanced-semi-self
/// `imagenet_inat/data/ClassAwareSampler.py`): classes are visited in a shuffled round robin and each visit emits `samplesPerClass` consecutive indices of that class.
/// Both the class list and every class's index list are reshuffled each time they wrap around
/// (and before their first use), so small classes repeat while large ones are subsampled.
public struct ClassAwareSampler: Sampler {
    public let samplesPerClass: Int
    public let epochLength: Int
    public let seed: UInt64
    private let members: [[Int]]

    /// `epochLength` defaults to the reference's (largest class size) x (number of classes);
    /// classes without samples are left out of the round robin.
    public init(labels: [Int], classes: Int, samplesPerClass: Int = 4, epochLength: Int? = nil,
                seed: UInt64) throws {
        guard samplesPerClass >= 1 else {
            throw DataError.invalidArgument("class-aware sampler: \(samplesPerClass) samples per class")
        }
        for (i, label) in labels.enumerated() where label < 0 || label >= classes {
            throw DataError.labelOutOfRange(path: "class-aware sampler", index: i, label: label,
                                            validRange: "0..<\(classes)")
        }
        let groups = LongTail.indicesByClass(labels, classes: classes)
        members = groups.filter { !$0.isEmpty }
        guard !members.isEmpty else { throw DataError.invalidArgument("class-aware sampler: no samples") }
        let length = epochLength ?? (groups.map(\.count).max() ?? 0) * classes
        guard length >= 0 else { throw DataError.invalidArgument("class-aware sampler: negative epoch length") }
        self.samplesPerClass = samplesPerClass
        self.epochLength = length
        self.seed = seed
    }

    public func indices(epoch: Int) -> [Int] {
        var rng = SeededGenerator.samplerStream(seed: seed, stream: epoch)
        var classCycle = ClassAwareCycle(Array(members.indices))
        var sampleCycles = members.map { ClassAwareCycle($0) }
        var out: [Int] = []
        out.reserveCapacity(epochLength)
        while out.count < epochLength {
            let c = classCycle.next(&rng)
            for _ in 0..<samplesPerClass where out.count < epochLength {
                out.append(sampleCycles[c].next(&rng))
            }
        }
        return out
    }
}

/// A list walked round and round, reshuffled before the first item and at every wrap.
private struct ClassAwareCycle {
    var items: [Int]
    var position: Int

    init(_ items: [Int]) {
        self.items = items
        position = items.count
    }

    mutating func next(_ rng: inout SeededGenerator) -> Int {
        if position >= items.count {
            rng.shuffle(&items)
            position = 0
        }
        defer { position += 1 }
        return items[position]
    }
}
