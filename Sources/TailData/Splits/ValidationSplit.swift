/// A class-balanced held-out split: `perClass` images of every class go to validation.
public struct ValidationSplit: Sendable, Equatable {
    /// Indices into the source set that stay for training, class 0's block first.
    public var train: [Int]
    /// Indices into the source set held out for validation, class 0's block first.
    public var validation: [Int]

    /// DASO's `split_trainval`: per class in index order, shuffle its indices with `rng` and
    /// hold out the first `perClass`. Throws when a class has fewer than `perClass` images.
    public static func random(labels: [Int], classes: Int, perClass: Int,
                              rng: inout NumpyRandomState) throws -> ValidationSplit {
        guard perClass >= 0 else {
            throw DataError.invalidArgument("validation split: \(perClass) images per class is negative")
        }
        var split = ValidationSplit(train: [], validation: [])
        for (label, var members) in LongTail.indicesByClass(labels, classes: classes).enumerated() {
            guard members.count >= perClass else {
                throw DataError.invalidArgument(
                    "validation split: class \(label) has \(members.count) images, \(perClass) requested")
            }
            rng.shuffle(&members)
            split.validation.append(contentsOf: members.prefix(perClass))
            split.train.append(contentsOf: members.dropFirst(perClass))
        }
        return split
    }

    /// DASO's `split_val_from_train` (DARP estimation): the first `perClass` images of each class,
    /// in their current order, without shuffling.
    public static func leading(labels: [Int], classes: Int, perClass: Int) throws -> ValidationSplit {
        guard perClass >= 0 else {
            throw DataError.invalidArgument("validation split: \(perClass) images per class is negative")
        }
        var split = ValidationSplit(train: [], validation: [])
        for members in LongTail.indicesByClass(labels, classes: classes) {
            split.validation.append(contentsOf: members.prefix(perClass))
            split.train.append(contentsOf: members.dropFirst(perClass))
        }
        return split
    }
}
