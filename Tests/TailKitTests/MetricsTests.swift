import Testing
@testable import TailKit

@Suite struct MetricsTests {
    @Test func reportComputesEveryMetric() {
        // 3 classes: many (500 train), medium (50), few (5).
        let topK = [[0, 1], [0, 2], [1, 0], [2, 1], [0, 2], [2, 0]]
        let labels = [0, 0, 1, 1, 2, 2]
        let r = ClassificationReport(topK: topK, labels: labels, trainCounts: [500, 50, 5])
        #expect(r.samples == 6)
        // Top-1 hits: samples 0, 1, 2 and 5; every label is within the top two.
        #expect(Swift.abs(r.top1 - 100.0 * 4 / 6) < 1e-9)
        #expect(r.top5 == 100)
        #expect(r.perClass == [100, 50, 50])
        #expect(r.many == 100 && r.medium == 50 && r.few == 50)
        #expect(Swift.abs(r.balanced - 200.0 / 3) < 1e-9)
        #expect(r.confusion == [[2, 0, 0], [0, 1, 1], [1, 0, 1]])
        #expect(r.table(classNames: ["a", "b", "c"]).contains("few"))
    }
}
