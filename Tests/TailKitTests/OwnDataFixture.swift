import Foundation
import TailData
import TestSupport

/// Small user data sets written as real files (the project's libpng/libjpeg encoders) for the
/// own-data and predict tests, and the `tailkit` program run as a user runs it.
enum OwnDataFixture {
    /// An image of class `label`: that colour channel bright (class 3 and up: two channels), a
    /// faint pattern varying with `seed`, so classes are easy to tell apart.
    static func pixels(label: Int, seed: Int, side: Int) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: side * side * 3)
        for p in 0..<(side * side) {
            rgb[p * 3 + label % 3] = 200
            if label >= 3 { rgb[p * 3 + (label + 1) % 3] = 200 }
            rgb[p * 3 + (label + 2) % 3] = UInt8((p * 7 + seed * 13) % 48)
        }
        return rgb
    }

    /// Writes image `i` of class `label` at `path` (relative to `folder`) as JPEG when the name
    /// says so (any case), else PNG; sides vary with `i` (20, 26, 32 pixels).
    @discardableResult
    static func writeImage(_ folder: TemporaryFolder, _ path: String, label: Int, seed: Int, side: Int? = nil) throws -> String {
        let s = side ?? 20 + (seed % 3) * 6
        let rgb = pixels(label: label, seed: seed, side: s)
        let isJPEG = path.lowercased().hasSuffix(".jpg") || path.lowercased().hasSuffix(".jpeg")
        let bytes = isJPEG ? try ImageFileEncoder.jpeg(rgb, width: s, height: s, channels: 3)
                           : try ImageFileEncoder.png(rgb, width: s, height: s, channels: 3)
        return try folder.write(path, bytes)
    }

    /// A class-per-folder tree under `folder.path + "/" + base` with `counts[c]` images of class
    /// `names[c]`: every third one a JPEG with an upper-case `.JPG`, every fourth `.PNG`, the rest
    /// `.png`, every fifth in a nested sub-folder; plus a README.txt at the top and notes.txt in
    /// the first class (non-image files the scan must ignore).
    static func writeTree(_ folder: TemporaryFolder, base: String, names: [String], counts: [Int]) throws {
        for (label, name) in names.enumerated() {
            for i in 0..<counts[label] {
                let ext = i % 3 == 2 ? "JPG" : i % 4 == 3 ? "PNG" : "png"
                let sub = i % 5 == 4 ? "nested/deeper/" : ""
                try writeImage(folder, "\(base)/\(name)/\(sub)img\(String(format: "%02d", i)).\(ext)", label: label, seed: i)
            }
        }
        try folder.write("\(base)/README.txt", text: "not an image\n")
        try folder.write("\(base)/\(names[0])/notes.txt", text: "not an image either\n")
    }

    struct Output { var status: Int32; var out: String; var err: String }

    /// Runs the built `tailkit` with `args`.
    static func tailkit(_ args: [String]) throws -> Output {
        let result = try TailKitExecutable.run(args)
        return Output(status: result.status, out: result.outText, err: result.err)
    }
}
