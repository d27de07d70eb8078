import Foundation
import Testing
import TestSupport
@testable import TailDashboard

@Suite struct RunLogTailTests {
    @Test func readsOnlyWhatWasAppendedAndWaitsForTheEndOfALine() throws {
        let folder = try TemporaryFolder("dash-tail")
        defer { folder.remove() }
        let run = try SyntheticRun(path: folder.file("ce"))
        var tail = RunLogTail(path: run.logPath)
        #expect(tail.read() == 0)
        #expect(tail.start != nil)
        try run.appendPeriod(epoch: 0)
        try run.appendPeriod(epoch: 1)
        #expect(tail.read() == 0)
        #expect(tail.periods.count == 2)
        #expect(tail.read() == nil)

        // Half a line (a write in progress): not a period yet, but noted.
        let line = run.periodLine(epoch: 2)
        let cut = line.index(line.startIndex, offsetBy: line.count / 2)
        try run.append(String(line[..<cut]), newline: false)
        #expect(tail.read() == 2)
        #expect(tail.periods.count == 2)
        #expect(tail.pendingBytes == line.utf8.count / 2)
        try run.append(String(line[cut...]))
        #expect(tail.read() == 2)
        try #require(tail.periods.count == 3)
        #expect(tail.pendingBytes == 0)
        #expect(tail.periods[2].epoch == 2)

        // The stored offset gives the full line back, confusion matrix and all.
        let full = try #require(tail.line(ofPeriod: 2))
        #expect(String(decoding: full, as: UTF8.self) == line)
    }

    @Test func aResumeDropsThePeriodsPastItsCheckpointAndAReplacedLogStartsOver() throws {
        let folder = try TemporaryFolder("dash-tail")
        defer { folder.remove() }
        let run = try SyntheticRun(path: folder.file("ce"))
        for e in 0..<4 { try run.appendPeriod(epoch: e) }
        var tail = RunLogTail(path: run.logPath)
        _ = tail.read()
        #expect(tail.periods.count == 4)
        // Resumed from the checkpoint at step 20 (end of epoch 1): epochs 2 and 3 are dropped.
        try run.append(#"{"event":"start","step":20,"steps_per_epoch":10,"steps_per_period":10,"task":"supervised","total_steps":2000}"#)
        #expect(tail.read() == 2)
        #expect(tail.periods.map(\.epoch) == [0, 1])

        // A new log in its place (another run in the same folder): read from the start.
        try FileManager.default.removeItem(atPath: run.logPath)
        try run.appendPeriod(epoch: 0)
        #expect(tail.read() == 0)
        #expect(tail.periods.map(\.epoch) == [0])
    }

    @Test func badLinesAreSkippedAndNamed() throws {
        let folder = try TemporaryFolder("dash-tail")
        defer { folder.remove() }
        let run = try SyntheticRun(path: folder.file("ce"))
        try run.append("{not json")
        try run.appendPeriod(epoch: 0)
        var tail = RunLogTail(path: run.logPath)
        _ = tail.read()
        #expect(tail.badLines == [2])
        #expect(tail.periods.count == 1)
    }

    @Test func everyNumberOfAnyTaskBecomesACurveAndEveryListAVector() throws {
        // A semi-supervised and a partial-label period: metric names the dashboard has never seen.
        let line = #"{"event":"period","epoch":3,"step":40,"lr":0.05,"is_best":false,"images_per_s":"nan","#
            + #""train":{"loss":0.5,"mask_ratio":0.75,"candidate_set_size":2.5},"#
            + #""eval":{"scalars":{"top1":60},"vectors":{"pseudo_label_precision":[0.9,0.5],"pseudo_label_recall":[0.8,"nan"]},"#
            + #""matrices":{"confusion":[[5,1],[2,4]]}}}"#
        let record = try #require(PeriodRecord(object: JSONValue.parse(Data(line.utf8)), offset: 0, length: line.utf8.count))
        #expect(record.epoch == 3)
        #expect(record.step == 40)
        let page = try #require(try JSONSerialization.jsonObject(with: Data(record.json.utf8)) as? [String: Any])
        let scalars = try #require(page["s"] as? [String: Any])
        #expect(Set(scalars.keys) == ["lr", "images_per_s", "train/loss", "train/mask_ratio", "train/candidate_set_size", "eval/top1"])
        #expect(scalars["train/mask_ratio"] as? Double == 0.75)
        #expect(scalars["images_per_s"] is NSNull)  // non-finite: a gap, not a failed page
        let vectors = try #require(page["v"] as? [String: Any])
        #expect(Set(vectors.keys) == ["eval/pseudo_label_precision", "eval/pseudo_label_recall"])
        let recall = try #require(vectors["eval/pseudo_label_recall"] as? [Any])
        try #require(recall.count == 2)
        #expect(recall[0] as? Double == 0.8)
        #expect(recall[1] is NSNull)
        #expect(page["m"] as? [String] == ["eval/confusion"])
        #expect(page["best"] as? Bool == false)
    }

    /// `Metrics` writes non-finite numbers as null (eval_last.json, log.jsonl): they stay a gap in
    /// their curve or vector, not a dropped metric.
    @Test func nullMetricsAreGapsNotDroppedMetrics() throws {
        let line = #"{"event":"period","epoch":1,"step":10,"lr":0.1,"is_best":false,"images_per_s":12,"train":{"loss":2},"#
            + #""eval":{"scalars":{"loss":null,"top1":10},"vectors":{"per_class":[20,null]},"matrices":{}},"eval_split":"val"}"#
        let record = try #require(PeriodRecord(object: JSONValue.parse(Data(line.utf8)), offset: 0, length: line.utf8.count))
        let page = try #require(try JSONSerialization.jsonObject(with: Data(record.json.utf8)) as? [String: Any])
        let scalars = try #require(page["s"] as? [String: Any])
        #expect(scalars["eval/loss"] is NSNull && scalars["eval/top1"] as? Double == 10)
        let perClass = try #require((page["v"] as? [String: Any])?["eval/per_class"] as? [Any])
        try #require(perClass.count == 2)
        #expect(perClass[0] as? Double == 20 && perClass[1] is NSNull)
    }

    /// A damaged line whose epoch or step no Int holds is not a period (and does not trap).
    @Test func anEpochOrStepNoIntHoldsIsNotAPeriod() throws {
        for (epoch, step) in [("1e300", "3"), ("-1e300", "3"), ("2", "1e300")] {
            let line = #"{"event":"period","epoch":"# + epoch + #","step":"# + step + #","train":{"loss":2}}"#
            let record = PeriodRecord(object: try JSONValue.parse(Data(line.utf8)), offset: 0, length: line.utf8.count)
            if epoch == "2" {
                // A step out of range is dropped; the period itself is still read.
                #expect(record?.epoch == 2 && record?.step == nil, "\(line)")
            } else {
                #expect(record == nil, "\(line)")
            }
        }
    }

    @Test func configSettingsFlattenForTheDiff() {
        let settings = ConfigSettings.flatten("# run\nloss: ce\nrule: drw\nsemi:\n  ratio: 2\n  classes:\n    - 1\n    - 2\n")
        #expect(settings.map(\.0) == ["loss", "rule", "semi.ratio", "semi.classes"])
        #expect(settings.map(\.1) == ["ce", "drw", "2", "1, 2"])
    }
}

@Suite struct MatrixStripperTests {
    @Test func matricesAreCutAndEverythingElseKept() throws {
        let line = #"{"a":"[[not a matrix]]","eval":{"matrices":{"confusion":[ [1,2],[3,"x]"]]},"vectors":{"v":[1,2]}},"b":[]}"#
        let stripped = String(decoding: MatrixStripper.strip(Data(line.utf8)), as: UTF8.self)
        #expect(stripped == #"{"a":"[[not a matrix]]","eval":{"matrices":{"confusion":"\u0001matrix"},"vectors":{"v":[1,2]}},"b":[]}"#)
        let value = try JSONValue.parse(Data(stripped.utf8))
        #expect(value["eval"]?["matrices"]?["confusion"]?.isMatrix == true)
        #expect(value["eval"]?["vectors"]?["v"]?.numbers == [1, 2])
    }
}
