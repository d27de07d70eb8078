/// Which classes count as many-, medium- and few-shot for group accuracies.
public struct ShotGroups: Sendable, Equatable {
    public enum Group: String, Sendable, Codable, CaseIterable { case many, medium, few }

    /// The group of each class, indexed by label.
    public var groupOfClass: [Group]

    public var many: [Int] { members(.many) }
    public var medium: [Int] { members(.medium) }
    public var few: [Int] { members(.few) }

    public func members(_ group: Group) -> [Int] {
        groupOfClass.indices.filter { groupOfClass[$0] == group }
    }

    /// The classifier-balancing convention (imbalanced-semi-self `imagenet_inat/utils.py`,
    /// `shot_acc`): many = more than 100 training images,
    /// few = fewer than 20, medium = 20...100.
    public static func byTrainingCount(_ counts: [Int], manyAbove: Int = 100, fewBelow: Int = 20) -> ShotGroups {
        ShotGroups(groupOfClass: counts.map { $0 > manyAbove ? .many : ($0 < fewBelow ? .few : .medium) })
    }

    /// SoLar's `AccurracyShot` (RECORDS-LTPLL `utils_solar/general.py`): with counts sorted ascending, many = count above the
    /// (C - many - 1)-th, few = count below the `few`-th; ties shrink a group rather than grow it.
    /// CIFAR-10 uses (3, 3), CIFAR-100 (33, 33).
    public static func topBottom(_ counts: [Int], many: Int, few: Int) throws -> ShotGroups {
        let sorted = counts.sorted()
        guard many >= 0, few >= 0, counts.count - many - 1 >= 0, few < counts.count else {
            throw DataError.invalidArgument(
                "shot groups: top \(many) / bottom \(few) do not fit \(counts.count) classes")
        }
        let manyThreshold = sorted[counts.count - many - 1], fewThreshold = sorted[few]
        return ShotGroups(groupOfClass: counts.map {
            $0 > manyThreshold ? .many : ($0 < fewThreshold ? .few : .medium)
        })
    }

    /// Mean of per-class values within each group, 0 for an empty group (as the references report).
    public func groupMeans(_ perClass: [Double]) -> [Group: Double] {
        var out: [Group: Double] = [:]
        for group in Group.allCases {
            let ids = members(group).filter { $0 < perClass.count }
            out[group] = ids.isEmpty ? 0 : ids.reduce(0) { $0 + perClass[$1] } / Double(ids.count)
        }
        return out
    }
}
