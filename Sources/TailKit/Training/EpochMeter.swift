import Foundation

/// Running loss, accuracy and throughput of one training epoch, for progress lines and summaries.
struct EpochMeter {
    private let start = DispatchTime.now().uptimeNanoseconds
    private(set) var lossSum = 0.0
    private(set) var correct = 0
    private(set) var seen = 0

    /// One batch: its mean loss, how many it got right, how many images it held.
    mutating func add(loss: Double, correct right: Int, count: Int) {
        lossSum += loss * Double(count)
        correct += right
        seen += count
    }

    var meanLoss: Double { lossSum / Double(max(1, seen)) }
    var accuracy: Double { 100 * Double(correct) / Double(max(1, seen)) }

    var imagesPerSecond: Double {
        Double(seen) / max(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 1e-9)
    }
}
