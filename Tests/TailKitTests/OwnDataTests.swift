import Foundation
import Testing
import TestSupport
@testable import TailKit
import TailData

/// A user's own data sets (`--dataset folder`, `--dataset csv`) on real PNG/JPEG files: what is
/// found, what is ignored, the split and its stability, and every kind of bad input.
extension OwnDataOptions {
    /// A copy changed by `change`.
    func with(_ change: (inout OwnDataOptions) -> Void) -> OwnDataOptions {
        var copy = self
        change(&copy)
        return copy
    }
}

@Suite struct OwnDataTests {
    private let names = ["ant", "bee", "cat"]

    @Test func folderScanFindsNestedMixedImagesAndIgnoresOtherFiles() throws {
        let folder = try TemporaryFolder("tk-own")
        defer { folder.remove() }
        try OwnDataFixture.writeTree(folder, base: "photos", names: names, counts: [10, 5, 2])
        let scan = try ImageFolder.scan(folder.file("photos"))
        #expect(scan.list.classNames == names)
        #expect(scan.list.classCounts() == [10, 5, 2])
        #expect(scan.list.paths.contains("ant/nested/deeper/img04.png"))
        #expect(scan.list.paths.contains("ant/img02.JPG") && scan.list.paths.contains("ant/img03.PNG"))
        #expect(scan.ignored.sorted() == [folder.file("photos/README.txt"), folder.file("photos/ant/notes.txt")].sorted())

        let data = try OwnDataset.load(.folder, dataDir: folder.file("photos"), options: OwnDataOptions(imageSize: 12))
        #expect(data.train.height == 12 && data.train.width == 12 && data.train.channels == 3)
        // Per class max(1, round(0.2 n)) test images: 2, 1, 1.
        #expect(data.test.classCounts() == [2, 1, 1])
        #expect(data.train.classCounts() == [8, 4, 1])
        #expect(data.train.classNames == names)
        // Natural counts are kept: no --imb-factor means imbFactor 1.
        #expect(try data.longTailed(imbFactor: 1, imbType: "exp", seed: 0).counts == [8, 4, 1])
        // The normalisation is the training pixels' own statistics (class colours: means well above 0).
        #expect(data.normalization.channels == 3 && data.normalization.mean.allSatisfy { $0 > 0.05 && $0 < 0.9 })
    }

    @Test func theSplitIsStableAndASavedSplitWinsOverNewImages() throws {
        let folder = try TemporaryFolder("tk-own")
        defer { folder.remove() }
        try OwnDataFixture.writeTree(folder, base: "photos", names: names, counts: [10, 5, 3])
        let dir = folder.file("photos")
        let list = try ImageFolder.scan(dir).list
        let a = try OwnDataSplit.stratified(list, fraction: 0.3, seed: 0, source: dir)
        let b = try OwnDataSplit.stratified(list, fraction: 0.3, seed: 0, source: dir)
        #expect(a == b)
        #expect(a.train.count + a.test.count == 18 && Set(a.train).isDisjoint(with: a.test))
        let splitFile = folder.file("run/split.json")
        try FileManager.default.createDirectory(atPath: folder.file("run"), withIntermediateDirectories: true)
        try a.write(to: splitFile)
        #expect(try OwnDataSplit.read(from: splitFile) == a)

        // A new image does not move anything between train and test; it is left out.
        try OwnDataFixture.writeImage(folder, "photos/bee/new.png", label: 1, seed: 99)
        let options = OwnDataOptions(imageSize: 8, testFraction: 0.3, splitFile: splitFile)
        let data = try OwnDataset.load(.folder, dataDir: dir, options: options)
        #expect(data.train.count == a.train.count && data.test.count == a.test.count)
        #expect(data.ownSplit == a)

        // An image of the saved split that is gone is an error naming the split file.
        try FileManager.default.removeItem(atPath: dir + "/" + a.test[0])
        do {
            _ = try OwnDataset.load(.folder, dataDir: dir, options: options)
            Issue.record("a saved split naming a removed image loaded")
        } catch let error as DataError {
            guard case .badDataset(let path, let detail) = error else { Issue.record("got \(error)"); return }
            #expect(path == splitFile && detail.contains(a.test[0]))
        }
    }

    @Test func aTestFolderIsUsedAsGiven() throws {
        let folder = try TemporaryFolder("tk-own")
        defer { folder.remove() }
        try OwnDataFixture.writeTree(folder, base: "set/train", names: names, counts: [6, 3, 1])
        try OwnDataFixture.writeTree(folder, base: "set/test", names: ["ant", "cat"], counts: [2, 2])
        let data = try OwnDataset.load(.folder, dataDir: folder.file("set"), options: OwnDataOptions(imageSize: 8))
        #expect(data.ownSplit == nil)
        #expect(data.train.classCounts() == [6, 3, 1] && data.test.classCounts() == [2, 0, 2])
        // Without train/, the class folders sit beside test/.
        try OwnDataFixture.writeTree(folder, base: "flat", names: names, counts: [4, 2, 1])
        try OwnDataFixture.writeTree(folder, base: "flat/test", names: ["bee"], counts: [2])
        let flat = try OwnDataset.load(.folder, dataDir: folder.file("flat"), options: OwnDataOptions(imageSize: 8))
        #expect(flat.train.classNames == names && flat.train.classCounts() == [4, 2, 1] && flat.test.classCounts() == [0, 2, 0])
        // train/ without test/: the classes are train/'s, split as usual.
        try OwnDataFixture.writeTree(folder, base: "only/train", names: names, counts: [5, 3, 2])
        let only = try OwnDataset.load(.folder, dataDir: folder.file("only"), options: OwnDataOptions(imageSize: 8))
        #expect(only.train.classNames == names && only.ownSplit?.test.count == 3 && only.ownSplit?.source == folder.file("only"))
        // A test class that training does not have is an error naming its folder.
        try OwnDataFixture.writeTree(folder, base: "flat/test", names: ["dog"], counts: [1])
        #expect(throws: DataError.badDataset(path: folder.file("flat/test/dog"), detail: "class 'dog' is not one of the training classes (ant, bee, cat)")) {
            try OwnDataset.load(.folder, dataDir: folder.file("flat"), options: OwnDataOptions(imageSize: 8))
        }
    }

    @Test func csvWithClassNamesIntegersQuotesAndATestFile() throws {
        let folder = try TemporaryFolder("tk-own")
        defer { folder.remove() }
        var rows = ["path,label,source", "\"img/a,1.png\",dent,x"]
        try OwnDataFixture.writeImage(folder, "data/img/a,1.png", label: 0, seed: 1)
        for i in 0..<6 {
            try OwnDataFixture.writeImage(folder, "data/img/\(i).JPG", label: i % 2, seed: i)
            rows.append("img/\(i).JPG,\(i % 2 == 0 ? "dent" : "crack"),y")
        }
        try folder.write("data/train.csv", text: rows.joined(separator: "\r\n") + "\r\n")
        try OwnDataFixture.writeImage(folder, "data/t0.png", label: 1, seed: 7)
        try folder.write("data/test.csv", text: "path,label\nt0.png,crack\n")
        let data = try OwnDataset.load(.csv, dataDir: folder.file("data/train.csv"), options: OwnDataOptions(imageSize: 8))
        #expect(data.train.classNames == ["crack", "dent"])
        #expect(data.train.classCounts() == [3, 4] && data.test.classCounts() == [1, 0])

        // A test label outside the class list: an error naming the file and line.
        try folder.write("data/test.csv", text: "path,label\nt0.png,scratch\n")
        #expect(throws: DataError.badDataset(path: folder.file("data/test.csv"), detail: "line 2: label 'scratch' is not in the class list (crack, dent)")) {
            try OwnDataset.load(.csv, dataDir: folder.file("data/train.csv"), options: OwnDataOptions(imageSize: 8))
        }

        // Integer labels without a header index classes.txt when there is one.
        try folder.write("ints/classes.txt", text: "zero\none\ntwo\n")
        for i in 0..<4 { try OwnDataFixture.writeImage(folder, "ints/\(i).png", label: i % 2, seed: i) }
        try folder.write("ints/all.csv", text: "0.png,0\n1.png,1\n2.png,0\n3.png,1\n")
        let ints = try CSVImageList.read(folder.file("ints/all.csv"))
        #expect(ints.classNames == ["zero", "one", "two"] && ints.labels == [0, 1, 0, 1])
        try folder.write("ints/bad.csv", text: "0.png,0\n1.png,3\n")
        #expect(throws: DataError.badDataset(path: folder.file("ints/bad.csv"), detail: "line 2: label '3' is not in the class list (zero, one, two)")) {
            try CSVImageList.read(folder.file("ints/bad.csv"))
        }
    }

    @Test func badInputIsAClearErrorNamingTheFile() throws {
        let folder = try TemporaryFolder("tk-own")
        defer { folder.remove() }
        try OwnDataFixture.writeTree(folder, base: "photos", names: names, counts: [4, 3, 2])
        let dir = folder.file("photos")
        let options = OwnDataOptions(imageSize: 8)

        // An empty class folder.
        try FileManager.default.createDirectory(atPath: dir + "/dog", withIntermediateDirectories: true)
        #expect(throws: DataError.badDataset(path: dir + "/dog", detail: "class folder 'dog' holds no JPEG or PNG images")) {
            try OwnDataset.load(.folder, dataDir: dir, options: options)
        }
        // A class of one image, with a test split asked of it.
        try OwnDataFixture.writeImage(folder, "photos/dog/only.png", label: 0, seed: 3)
        do {
            _ = try OwnDataset.load(.folder, dataDir: dir, options: options)
            Issue.record("a one-image class was split")
        } catch let error as DataError {
            guard case .badDataset(let path, let detail) = error else { Issue.record("got \(error)"); return }
            #expect(path == dir + "/dog/only.png" && detail.contains("class 'dog'") && detail.contains("at least 2 images"))
        }
        try FileManager.default.removeItem(atPath: dir + "/dog")

        // A truncated image: an error naming it, or with --skip-bad-images a skip.
        let victim = dir + "/bee/img01.png"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: victim))
        do {
            _ = try OwnDataset.load(.folder, dataDir: dir, options: options)
            Issue.record("a truncated image loaded")
        } catch let error as DataError {
            guard case .undecodable(let path, _) = error else { Issue.record("got \(error)"); return }
            #expect(path == victim)
        }
        var skipping = options
        skipping.skipBadImages = true
        let data = try OwnDataset.load(.folder, dataDir: dir, options: skipping)
        #expect(data.train.count + data.test.count == 8)

        // Unreadable as an image: text named like a PNG (the truncated one mended).
        try bytes.write(to: URL(fileURLWithPath: victim))
        try folder.write("photos/cat/fake.png", text: "not a PNG")
        #expect(throws: DataError.undecodable(path: dir + "/cat/fake.png", detail: "neither a JPEG nor a PNG signature")) {
            try OwnDataset.load(.folder, dataDir: dir, options: skipping.with { $0.skipBadImages = false })
        }
        let mended = try OwnDataset.load(.folder, dataDir: dir, options: skipping)
        #expect(mended.train.count + mended.test.count == 9)

        // Not a folder / not a CSV.
        #expect(throws: DataError.badDataset(path: dir + "/missing", detail: "not a folder (expected one sub-folder of images per class)")) {
            try OwnDataset.load(.folder, dataDir: dir + "/missing", options: options)
        }
        #expect(throws: TailKitError.self) { try LoadedDataset.load(.folder, dataDir: nil) }
    }

    @Test func anImbalanceFactorMakesTheNaturalCountsMoreLongTailed() throws {
        let folder = try TemporaryFolder("tk-own")
        defer { folder.remove() }
        try OwnDataFixture.writeTree(folder, base: "photos", names: names, counts: [3, 12, 6])
        let data = try OwnDataset.load(.folder, dataDir: folder.file("photos"), options: OwnDataOptions(imageSize: 8, testFraction: 0.1))
        let natural = data.train.classCounts()
        #expect(natural == [2, 11, 5])
        #expect(data.classOrder == [1, 2, 0])
        // Head 11 (bee), then int(11 * 0.1^(1/2)) = 3 for cat, int(11 * 0.1) = 1 for ant.
        let lt = try data.longTailed(imbFactor: 0.1, imbType: "exp", seed: 0)
        #expect(lt.counts == [1, 11, 3])
        #expect(lt.set.count == 15)
    }
}
