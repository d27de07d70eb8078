import Foundation

/// What the streaming loader does with an image file it cannot read or decode.
public enum DecodeFailurePolicy: String, Sendable, CaseIterable {
    /// Leave the sample out of its batch (the batch is one smaller) and report the file once.
    case skip
    /// End the epoch at the batch holding the first such file; the loader's `fatalFailure` says which.
    case fail
}

/// One image that could not be used: the file, its line in the list file, and why.
public struct DecodeFailure: Sendable, Equatable, Error, CustomStringConvertible {
    public var index: Int
    public var path: String
    public var listFile: String?
    public var line: Int
    public var reason: String

    public var description: String {
        "\(path) (line \(line) of \(listFile ?? "the list")): \(reason)"
    }
}

/// The failures a loader met, shared by its worker threads. Each file is reported once (through
/// `report`, standard error by default) however many epochs meet it.
public final class DecodeFailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var byIndex: [Int: DecodeFailure] = [:]
    private var fatalByBatch: [BatchKey: DecodeFailure] = [:]
    private var firstFatal: DecodeFailure?
    private let report: @Sendable (DecodeFailure) -> Void

    struct BatchKey: Hashable { var epoch: Int; var number: Int }

    public init(report: @escaping @Sendable (DecodeFailure) -> Void = DecodeFailureLog.standardError) {
        self.report = report
    }

    /// Writes "warning: cannot use <path> (line N of <list>): <reason>" to standard error.
    public static let standardError: @Sendable (DecodeFailure) -> Void = { failure in
        FileHandle.standardError.write(Data("warning: cannot use \(failure)\n".utf8))
    }

    /// Every failing file met so far, in data set order.
    public var failures: [DecodeFailure] {
        lock.withLock { byIndex.values.sorted { $0.index < $1.index } }
    }

    /// The failure that ended an epoch under `.fail`, if one did.
    public var fatalFailure: DecodeFailure? { lock.withLock { firstFatal } }

    func record(_ failure: DecodeFailure) {
        let isNew = lock.withLock { () -> Bool in
            defer { byIndex[failure.index] = failure }
            return byIndex[failure.index] == nil
        }
        if isNew { report(failure) }
    }

    func recordFatal(_ failure: DecodeFailure, epoch: Int, number: Int) {
        lock.withLock { fatalByBatch[BatchKey(epoch: epoch, number: number)] = failure }
    }

    /// Whether the batch failed; the first one the consumer meets becomes `fatalFailure`.
    func consumeFatal(epoch: Int, number: Int) -> Bool {
        lock.withLock {
            guard let failure = fatalByBatch.removeValue(forKey: BatchKey(epoch: epoch, number: number)) else { return false }
            if firstFatal == nil { firstFatal = failure }
            return true
        }
    }
}
