import Foundation
import TailData

/// Writes image sets as the class-per-folder tree `--dataset folder` reads:
/// `DIR/train/<class>/<index>.png` and `DIR/test/<class>/<index>.png`, grayscale PNGs for
/// 1-channel sets, RGB otherwise. `<class>` is the class name with '/' replaced by '_';
/// `<index>` is the image's index in the published split, zero-padded to 5 digits. The tree is
/// built in a hidden sibling folder and renamed to DIR only when complete.
///
/// ```swift
/// let lt = try data.longTailed(imbFactor: 0.01, imbType: "exp", seed: 0)
/// try DataExport.write(train: lt.set, trainIndices: lt.indices, test: data.test, to: "fmnist-lt")
/// ```
public enum DataExport {
    /// - Returns: the numbers of training and test images written.
    @discardableResult
    public static func write(train: ImageSet, trainIndices: [Int], test: ImageSet, to dir: String) throws -> (train: Int, test: Int) {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: dir) else {
            throw TailKitError.unwritableOutput(path: dir, problem: "it exists; export makes a new folder (remove it or choose another --to)")
        }
        let folders = try classFolders(train.classNames)
        let url = URL(fileURLWithPath: dir).standardized
        let staging = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)").path
        do {
            try writeSplit(train, indices: trainIndices, folders: folders, to: staging + "/train")
            try writeSplit(test, indices: Array(0..<test.count), folders: folders, to: staging + "/test")
            try fm.moveItem(atPath: staging, toPath: dir)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
        return (train.count, test.count)
    }

    /// Folder names of the classes: '/' replaced, and distinct.
    static func classFolders(_ names: [String]) throws -> [String] {
        let folders = names.map { $0.replacingOccurrences(of: "/", with: "_") }
        guard Set(folders).count == folders.count, !folders.contains(where: { $0.isEmpty || $0.hasPrefix(".") || $0 == "test" || $0 == "train" }) else {
            throw TailKitError.invalidOption("class names \(names) do not make distinct folder names")
        }
        return folders
    }

    private static func writeSplit(_ set: ImageSet, indices: [Int], folders: [String], to root: String) throws {
        guard indices.count == set.count else {
            throw TailKitError.invalidOption("export: \(indices.count) indices for \(set.count) images")
        }
        for folder in folders {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        for i in 0..<set.count {
            let png = try ImageFileEncoder.png(Array(set.image(i)), width: set.width, height: set.height, channels: set.channels)
            let path = root + "/" + folders[set.labels[i]] + "/" + String(format: "%05d.png", indices[i])
            guard FileManager.default.createFile(atPath: path, contents: Data(png)) else {
                throw TailKitError.unwritableOutput(path: path, problem: "cannot create the file")
            }
        }
    }
}
