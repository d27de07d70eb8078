import ArgumentParser
import Foundation
import TailData
import TailKit

/// `tailkit data ...`: look at data sets before training on them.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect data sets and their long-tailed splits.",
        subcommands: [DataStatsCommand.self, DataCheckCommand.self]
    )
}

struct DataStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the per-class counts of a long-tailed training set and its many/medium/few groups.",
        discussion: """
        The counts follow the reference rule n_i = int(n_max * imb_factor^(i / (C - 1))) (exp) or the step rule, and the images are picked per class with numpy's seeded shuffle, exactly as the papers' code does. Example: tailkit data stats --dataset fmnist --imb-factor 0.01
        """
    )

    @Option(help: "Data set: \(DatasetName.validNames). fmnist is built in.") var dataset = "fmnist"
    @Option(help: "Folder holding the data set's files as published (not needed for fmnist).") var dataDir: String?
    @Option(help: "Imbalance factor 1/rho: 0.01 means the rarest class has 100x fewer images than the most common.") var imbFactor = 0.01
    @Option(help: "Imbalance profile: exp or step (balanced keeps every image).") var imbType = "exp"
    @Option(name: [.customLong("rand-number"), .customLong("seed")],
            help: "Seed of the per-class selection (the reference's --rand_number; --seed is an older name).") var randNumber = 0
    @Option(help: "Fraction of every class held out of the labeled set (the pool of --unlabeled remainder).") var holdOut = 0.0
    @Option(help: "Image side (unused: list data sets are counted from their lists).") var imageSize = 64
    @Flag(help: "Pad Fashion-MNIST / MNIST from 28x28 to 32x32.") var pad32 = false

    func run() throws {
        try runReportingErrors {
            let name = try DatasetName(parsing: dataset)
            if let files = name.listFiles { return try ListDatasetStats.print(name, files: files, dataDir: dataDir) }
            let data = try LoadedDataset.load(name, dataDir: dataDir, imageSize: imageSize, padTo32: pad32)
            print("images: \(data.train.height)x\(data.train.width)x\(data.train.channels)")
            let lt = try data.longTailed(imbFactor: imbFactor, imbType: imbType, seed: randNumber, holdOut: holdOut)
            let groups = ShotGroups.byTrainingCount(lt.counts)
            let rho = Double(lt.counts.max() ?? 1) / Double(max(1, lt.counts.filter { $0 > 0 }.min() ?? 1))
            let rule = name.isPublishedLongTailed ? "as published" : imbType
            print("\(dataset): \(lt.set.count) training images of \(data.train.count), \(lt.counts.count) classes, max/min = \(Int(rho.rounded())), \(rule)")
            print("test set: \(data.test.count) images")
            print("class                 count  group")
            for (c, n) in lt.counts.enumerated() {
                let name = c < data.train.classNames.count ? data.train.classNames[c] : "class \(c)"
                print("\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%6d", n))  \(groups.groupOfClass[c].rawValue)")
            }
            for g in ShotGroups.Group.allCases {
                let members = groups.members(g)
                print("\(g.rawValue): \(members.count) classes, \(members.map { lt.counts[$0] }.reduce(0, +)) images")
            }
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
