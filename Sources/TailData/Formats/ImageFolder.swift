import Foundation

/// A user's images in one folder per class, as torchvision's `ImageFolder` reads them: the class
/// names are the sub-folder names, sorted (label i = the i-th name); every JPEG or PNG anywhere
/// below a class folder (nested folders included) belongs to that class. Files are recognised by
/// extension, in any case (`.jpg`, `.jpeg`, `.png`, `.JPG`, ...); other files and hidden ones
/// (`.DS_Store`) are left out and listed in `ignored`, so the caller can say so.
///
/// ```swift
/// let scan = try ImageFolder.scan("photos/train")        // photos/train/cat/1.jpg, photos/train/dog/a/2.PNG
/// scan.list.classNames                                    // ["cat", "dog"]
/// let set = try scan.list.loadAll(resizeTo: (64, 64))
/// ```
public enum ImageFolder {
    /// The extensions read as images (lower-cased): the formats `DecodedImage` decodes.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    public struct Scan: Sendable {
        /// Paths relative to the scanned folder, sorted within each class; labels index `classNames`.
        public var list: ImageList
        /// Full paths of the files left out (not JPEG/PNG by extension, or hidden).
        public var ignored: [String]
    }

    /// Scans `root`. Sub-folders named in `excluding` (e.g. `test`) are not classes. With
    /// `classNames` given, the class folders must be exactly those (a test folder must name the
    /// training classes); an empty class folder is an error naming it.
    public static func scan(_ root: String, excluding: Set<String> = [], classNames expected: [String]? = nil) throws -> Scan {
        guard DatasetFileIO.isDirectory(root) else {
            throw DataError.badDataset(path: root, detail: "not a folder (expected one sub-folder of images per class)")
        }
        let folders = try entries(root).filter { !$0.hasPrefix(".") && !excluding.contains($0) && DatasetFileIO.isDirectory(DatasetFileIO.join(root, $0)) }
        guard !folders.isEmpty else {
            throw DataError.badDataset(path: root, detail: "holds no class folders (expected one sub-folder of images per class)")
        }
        var ignored = try entries(root).filter { !DatasetFileIO.isDirectory(DatasetFileIO.join(root, $0)) }.map { DatasetFileIO.join(root, $0) }
        if let expected {
            let extra = folders.filter { !expected.contains($0) }
            if let name = extra.first {
                throw DataError.badDataset(path: DatasetFileIO.join(root, name), detail: "class '\(name)' is not one of the training classes (\(expected.joined(separator: ", ")))")
            }
        }
        let classNames = expected ?? folders
        var paths: [String] = [], labels: [Int] = []
        for (label, name) in classNames.enumerated() where folders.contains(name) {
            let (images, others) = try files(under: root, relative: name)
            guard !images.isEmpty else {
                throw DataError.badDataset(path: DatasetFileIO.join(root, name), detail: "class folder '\(name)' holds no JPEG or PNG images")
            }
            paths += images
            labels += [Int](repeating: label, count: images.count)
            ignored += others.map { DatasetFileIO.join(root, $0) }
        }
        return Scan(list: ImageList(root: root, paths: paths, labels: labels, classNames: classNames), ignored: ignored)
    }

    /// Every JPEG/PNG below `root` (any depth), relative to `root` and sorted, with the other files.
    public static func imageFiles(under root: String) throws -> (images: [String], ignored: [String]) {
        guard DatasetFileIO.isDirectory(root) else {
            throw DataError.badDataset(path: root, detail: "not a folder")
        }
        let (images, others) = try files(under: root, relative: "")
        return (images, others.map { DatasetFileIO.join(root, $0) })
    }

    /// Whether `path` names an image by its extension (any case).
    public static func isImagePath(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return !name.hasPrefix(".") && imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Images and other files below `root/relative`, as paths relative to `root`, sorted.
    private static func files(under root: String, relative: String) throws -> (images: [String], others: [String]) {
        var images: [String] = [], others: [String] = []
        let folder = DatasetFileIO.join(root, relative)
        for name in try entries(folder) {
            let rel = relative.isEmpty ? name : relative + "/" + name
            if DatasetFileIO.isDirectory(DatasetFileIO.join(root, rel)) {
                if name.hasPrefix(".") { continue }
                let (i, o) = try files(under: root, relative: rel)
                images += i
                others += o
            } else if isImagePath(rel) {
                images.append(rel)
            } else {
                others.append(rel)
            }
        }
        return (images.sorted(), others.sorted())
    }

    private static func entries(_ folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            throw DataError.badDataset(path: folder, detail: "cannot list the folder (\(error.localizedDescription))")
        }
    }
}
