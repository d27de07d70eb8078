import ArgumentParser
import Foundation
import TailKit

/// `tailkit report RUN`: renders `report.html` of any run folder, finished or still training.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render a run folder's report.html from its config.yaml and log.jsonl.",
        discussion: """
        Works on any run (supervised, rotation or MoCo pre-training), finished or still being written by another process: the report shows the periods logged so far. Example: tailkit report runs/fmnist_resnet32_ce_drw_exp_0.01_0
        """
    )

    @Argument(help: "Run folder (holds config.yaml and log.jsonl).") var folder: String
    @Option(help: "Where to write the report (default: RUN/report.html).") var out: String?

    func run() throws {
        try runReportingErrors {
            let report = try RunReport(folder: folder)
            let path = out ?? "\(folder)/report.html"
            try report.write(to: path)
            print("\(report.periods.count) periods; report: \(path)")
        }
    }
}
