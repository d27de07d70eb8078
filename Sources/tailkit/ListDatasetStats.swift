import Foundation
import TailData
import TailKit

/// `tailkit data stats` for ImageNet-LT and iNaturalist 2018: the counts come from the list files
/// alone (nothing is decoded), so it answers in seconds on the full 115,846-line list.
enum ListDatasetStats {
    static func print(_ name: DatasetName, files: ListDatasetFiles, dataDir: String?) throws {
        guard let root = dataDir else {
            throw TailKitError.invalidOption("--data-dir is needed for \(name.rawValue): the folder holding \(files.train)")
        }
        let train = try ImageList(listFile: "\(root)/\(files.train)", root: root)
        let classes = train.classNames.count
        let counts = train.classCounts()
        let present = counts.filter { $0 > 0 }
        let rho = Double(counts.max() ?? 1) / Double(max(1, present.min() ?? 1))
        Swift.print("\(name.rawValue): \(train.count) training images (\(files.train)), \(classes) classes, max/min = \(Int(rho.rounded())), as published")
        var seen: Set<String> = []
        for (role, file) in [("val", files.val), ("test", files.test)] where seen.insert(file).inserted {
            let path = "\(root)/\(file)"
            guard FileManager.default.fileExists(atPath: path) else {
                Swift.print("\(role) list: \(file) not found")
                continue
            }
            let list = try ImageList(listFile: path, root: root, classCount: classes)
            let perClass = list.classCounts()
            Swift.print("\(role) list: \(list.count) images (\(file)), \(perClass.min() ?? 0) to \(perClass.max() ?? 0) per class")
        }
        let groups = ShotGroups.byTrainingCount(counts)
        Swift.print("class                 count  group")
        for (c, n) in counts.enumerated() {
            Swift.print("\(train.classNames[c].padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%6d", n))  \(groups.groupOfClass[c].rawValue)")
        }
        for g in ShotGroups.Group.allCases {
            let members = groups.members(g)
            Swift.print("\(g.rawValue): \(members.count) classes, \(members.map { counts[$0] }.reduce(0, +)) images")
        }
    }
}
