import ArgumentParser
import Foundation
import TailData
import TailKit

/// `tailkit data ...`: look at data sets before training on them.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect data sets and their long-tailed splits.",
        subcommands: [DataStatsCommand.self, DataCheckCommand.self, DataExportCommand.self]
    )
}

struct DataStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the per-class counts of a long-tailed training set and its many/medium/few groups.",
        discussion: """
        The counts follow the reference rule n_i = int(n_max * imb_factor^(i / (C - 1))) (exp) or the step rule, and the images are picked per class with numpy's seeded shuffle, exactly as the papers' code does. Example: tailkit data stats --dataset fmnist --imb-factor 0.01
        Your own data (--dataset folder --data-dir DIR, or --dataset csv --data-dir FILE) keeps its natural counts unless --imb-factor is given; the test split is DIR/test (or test.csv beside FILE), else a stratified --test-fraction of each class. Example: tailkit data stats --dataset folder --data-dir photos
        """
    )

    @Option(help: "Data set: \(DatasetName.validNames). fmnist is built in.") var dataset = "fmnist"
    @Option(help: "Folder holding the data set's files as published (not needed for fmnist).") var dataDir: String?
    @Option(help: "Imbalance factor 1/rho: 0.01 means the rarest class has 100x fewer images than the most common (default 0.01; folder/csv: natural counts).") var imbFactor: Double?
    @Option(help: "Imbalance profile: exp or step (balanced keeps every image).") var imbType = "exp"
    @Option(name: [.customLong("rand-number"), .customLong("seed")],
            help: "Seed of the per-class selection (the reference's --rand_number; --seed is an older name).") var randNumber = 0
    @Option(help: "Fraction of every class held out of the labeled set (the pool of --unlabeled remainder).") var holdOut = 0.0
    @Option(help: "Image side for folder and csv (list data sets are counted from their lists).") var imageSize = 64
    @Option(help: "folder/csv without a test part: each class's share of the stratified test split.") var testFraction = 0.2
    @Flag(help: "folder/csv: leave out images that cannot be decoded (with a note) instead of stopping.") var skipBadImages = false
    @Flag(help: "Pad Fashion-MNIST / MNIST from 28x28 to 32x32.") var pad32 = false

    func run() throws {
        try runReportingErrors {
            let name = try DatasetName(parsing: dataset)
            if let files = name.listFiles { return try ListDatasetStats.print(name, files: files, dataDir: dataDir) }
            let own = OwnDataOptions(imageSize: imageSize, testFraction: testFraction, seed: randNumber, skipBadImages: skipBadImages)
            let data = try LoadedDataset.load(name, dataDir: dataDir, imageSize: imageSize, padTo32: pad32, own: own)
            print("images: \(data.train.height)x\(data.train.width)x\(data.train.channels)")
            let factor = imbFactor ?? (name.isOwnData ? 1 : 0.01)
            let lt = try data.longTailed(imbFactor: factor, imbType: imbType, seed: randNumber, holdOut: holdOut)
            let groups = ShotGroups.byTrainingCount(lt.counts)
            let rho = Double(lt.counts.max() ?? 1) / Double(max(1, lt.counts.filter { $0 > 0 }.min() ?? 1))
            let rule = name.isPublishedLongTailed ? "as published" : name.isOwnData && factor == 1 ? "natural counts" : imbType
            print("\(dataset): \(lt.set.count) training images of \(data.train.count), \(lt.counts.count) classes, max/min = \(Int(rho.rounded())), \(rule)")
            let testSource = data.ownSplit.map { " (stratified split, --test-fraction \($0.testFraction), seed \($0.seed))" } ?? ""
            print("test set: \(data.test.count) images\(testSource)")
            let testCounts = data.test.classCounts()
            let width = max(20, data.train.classNames.map(\.count).max() ?? 0)
            print("class".padding(toLength: width, withPad: " ", startingAt: 0) + "  count  group   test")
            for (c, n) in lt.counts.enumerated() {
                let name = c < data.train.classNames.count ? data.train.classNames[c] : "class \(c)"
                let test = c < testCounts.count ? testCounts[c] : 0
                print("\(name.padding(toLength: width, withPad: " ", startingAt: 0)) \(String(format: "%6d", n))  \(groups.groupOfClass[c].rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(format: "%5d", test))")
            }
            for g in ShotGroups.Group.allCases {
                let members = groups.members(g)
                print("\(g.rawValue): \(members.count) classes, \(members.map { lt.counts[$0] }.reduce(0, +)) images")
            }
        }
    }
}

/// `tailkit data export`: a data set written as a class-per-folder PNG tree, to try `--dataset folder`.
struct DataExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a data set as a class-per-folder tree of PNG files (train/<class>/, test/<class>/).",
        discussion: """
        Makes a folder in the layout `--dataset folder` reads, from any built-in data set, optionally long-tailed by the reference count rule first (--imb-factor, as `data stats` shows it); the test set is written whole. Class folders are named after the classes ('/' becomes '_'); files are named by their index in the published split. Nothing is left half-written: the tree is made beside DIR and renamed into place at the end; an existing DIR is refused.
        Example: tailkit data export fmnist --imb-factor 0.01 --to fmnist-lt
        """
    )

    @Argument(help: "Data set: \(DatasetName.validNames.replacingOccurrences(of: ", folder, csv", with: "")).") var dataset: String
    @Option(help: "Folder holding the data set's files as published (not needed for fmnist).") var dataDir: String?
    @Option(help: "Imbalance factor 1/rho of the training images written (default 1: all of them).") var imbFactor = 1.0
    @Option(help: "Imbalance profile: exp or step.") var imbType = "exp"
    @Option(help: "Seed of the per-class selection (the reference's --rand_number).") var randNumber = 0
    @Option(help: "Folder to create.") var to: String

    func run() throws {
        try runReportingErrors {
            let name = try DatasetName(parsing: dataset)
            guard !name.isOwnData else { throw TailKitError.invalidOption("export writes a built-in data set as a folder; \(name.rawValue) already is one") }
            let data = try LoadedDataset.load(name, dataDir: dataDir)
            let lt = try data.longTailed(imbFactor: imbFactor, imbType: imbType, seed: randNumber)
            let written = try DataExport.write(train: lt.set, trainIndices: lt.indices, test: data.test, to: to)
            print("wrote \(written.train) training and \(written.test) test images of \(lt.counts.count) classes to \(to) (train/<class>/, test/<class>/)")
            print("train with: tailkit train --dataset folder --data-dir \(to) --image-size \(max(data.train.height, data.train.width))")
        }
    }
}

/// Prints a TailKit or data error as one plain line and exits non-zero, instead of a stack of
/// Swift type names.
func runReportingErrors(_ body: () throws -> Void) throws {
    PlainLogHandler.bootstrap
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as TailKitError {
        FileHandle.standardError.write(Data("\(error.interruption == nil ? "error: " : "")\(error)\n".utf8))
        // A run stopped by a signal exits as the shell reports a signal: 128 + its number.
        throw error.interruption.map { ExitCode(128 + $0) } ?? ExitCode.failure
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
