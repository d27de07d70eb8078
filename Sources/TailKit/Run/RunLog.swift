import Foundation

/// `log.jsonl`, the run's event stream: one JSON object per line, appended and flushed as events
/// happen, never rewritten, so a dashboard or `tailkit report` can read a run while it trains.
///
/// Events (`"event"` key): `start` (a run or a resume begins at `step`), `step` (running means
/// every `stepInterval` steps), `period` (a `PeriodSummary`: training means and the evaluation).
/// A resume appends `start` with the checkpoint's step; readers drop what the crashed run wrote
/// past it, so the history is that of the checkpointed run.
///
/// ```swift
/// let history = try RunLog.periods(in: "runs/x/log.jsonl")
/// print(history.last?.eval?.scalars["top1"] ?? 0)
/// ```
public final class RunLog: TrainerHook {
    public let path: String
    /// Steps between `step` events (0: none).
    public let stepInterval: Int
    private var handle: FileHandle?

    public var phase: HookPhase { .log }

    public init(path: String, stepInterval: Int = 50) {
        self.path = path
        self.stepInterval = stepInterval
    }

    deinit { try? handle?.close() }

    public func runStarted(_ run: RunStart) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw TailKitError.unwritableOutput(path: path, problem: "cannot create the run log")
            }
        }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw TailKitError.unwritableOutput(path: path, problem: "cannot open the run log for appending")
        }
        try h.seekToEnd()
        handle = h
        try append(["event": "start", "task": run.taskName, "step": run.startStep, "total_steps": run.totalSteps,
                    "steps_per_epoch": run.stepsPerEpoch, "steps_per_period": run.stepsPerPeriod,
                    "time": Date().timeIntervalSince1970])
    }

    public func stepEnded(_ event: StepEvent) throws {
        guard stepInterval > 0, event.step % stepInterval == 0 else { return }
        try append(["event": "step", "epoch": event.epoch, "step": event.step, "lr": event.lr,
                    "metrics": event.metrics, "images_per_s": event.imagesPerSecond])
    }

    public func periodEnded(_ summary: PeriodSummary, checkpoint: () throws -> Checkpoint) throws {
        // The summary as JSONEncoder writes it (booleans stay booleans), with the event name first.
        let body = try Self.encoder.encode(summary)
        var line = Data(#"{"event":"period","#.utf8)
        line.append(body.dropFirst())
        line.append(0x0A)
        try handle?.write(contentsOf: line)
    }

    /// Non-finite numbers (a diverging loss) are written as the strings "nan", "inf", "-inf".
    static let floats = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = floats
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    public func runEnded() throws {
        try handle?.synchronize()
    }

    private func append(_ object: [String: Any]) throws {
        guard let handle else { return }
        var line = try JSONSerialization.data(withJSONObject: sanitized(object), options: [.sortedKeys])
        line.append(0x0A)
        try handle.write(contentsOf: line)
    }

    /// JSON has no NaN or infinity: such values are written as null.
    private func sanitized(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let dict as [String: Any]: return dict.mapValues(sanitized)
        case let dict as [String: Double]: return dict.mapValues { $0.isFinite ? $0 as Any : NSNull() }
        case let list as [Any]: return list.map(sanitized)
        default: return value
        }
    }

    // MARK: reading

    /// The periods of the run in `path`, as the last resume left them; lines that are not
    /// complete JSON (a line being written, a crash mid-write) are skipped.
    public static func periods(in path: String) throws -> [PeriodSummary] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TailKitError.badFile(path: path, problem: "cannot read the run log")
        }
        var periods: [PeriodSummary] = []
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let event = object["event"] as? String else { continue }
            switch event {
            case "start":
                let from = object["step"] as? Int ?? 0
                periods.removeAll { $0.step > from }
            case "period":
                if let p = try? decoder.decode(PeriodSummary.self, from: Data(line.utf8)) { periods.append(p) }
            default:
                continue
            }
        }
        return periods
    }
}
