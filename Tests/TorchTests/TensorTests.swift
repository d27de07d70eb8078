import Foundation
import Testing
@testable import Torch

@Suite struct TensorTests {
    @Test func roundTripsArraysOfEveryDType() throws {
        #expect(try Tensor([1.5, -2, 3] as [Float]).toArray(Float.self) == [1.5, -2, 3])
        #expect(try Tensor([1.25, 2] as [Double]).toArray(Double.self) == [1.25, 2])
        #expect(try Tensor([Int64.max, -7] as [Int64]).toArray(Int64.self) == [Int64.max, -7])
        #expect(try Tensor([0, 255, 7] as [UInt8]).toArray(UInt8.self) == [0, 255, 7])
        #expect(try Tensor([true, false] as [Bool]).toArray(Bool.self) == [true, false])
        let t = try Tensor([1, 2, 3, 4, 5, 6] as [Int], shape: [2, 3])
        #expect(t.shape == [2, 3])
        #expect(t.dtype == .int64)
        #expect(try t.toArray(Float.self) == [1, 2, 3, 4, 5, 6])
    }

    @Test func buildsFromRawBytes() throws {
        let bytes: [UInt8] = [0, 0, 128, 63, 0, 0, 0, 64]  // 1.0f, 2.0f little-endian
        let t = try Tensor(bytes: bytes, dtype: .float32, shape: [2])
        #expect(try t.toArray(Float.self) == [1, 2])
        #expect(try t.contiguousBytes() == bytes)
        #expect(throws: TorchError.self) { try Tensor(bytes: [1, 2, 3], dtype: .float32, shape: [1]) }
    }

    @Test func wrongValueCountThrows() {
        #expect(throws: TorchError.self) { try Tensor([1, 2, 3] as [Float], shape: [2, 2]) }
    }

    @Test func broadcastingArithmetic() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let b = try Tensor([10, 20, 30] as [Float], shape: [3])
        #expect(try (a + b).toArray(Float.self) == [11, 22, 33, 14, 25, 36])
        #expect(try (a * 2).toArray(Float.self) == [2, 4, 6, 8, 10, 12])
        #expect(try (1 - a).toArray(Float.self) == [0, -1, -2, -3, -4, -5])
        #expect(try (a / b).toArray(Float.self)[0] == 0.1)
        #expect(try (-a).toArray(Float.self)[5] == -6)
        #expect(try a.pow(2).toArray(Float.self) == [1, 4, 9, 16, 25, 36])
    }

    @Test func matmulAndShapeMismatchThrows() throws {
        let a = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let b = try Tensor([5, 6, 7, 8] as [Float], shape: [2, 2])
        #expect(try a.matmul(b).toArray(Float.self) == [19, 22, 43, 50])
        let c = try Tensor.ones([3, 5])
        #expect(throws: TorchError.self) { try a.matmul(c) }
        do {
            _ = try a.matmul(c)
        } catch let TorchError.libtorch(message) {
            #expect(message.contains("shapes cannot be multiplied"))
        }
        // The process is alive and libtorch still works after the error.
        #expect(try a.sum().item() == 10)
    }

    @Test func reductions() throws {
        let a = try Tensor([1, 5, 3, 4, 2, 6] as [Float], shape: [2, 3])
        #expect(try a.sum().item() == 21)
        #expect(try a.mean(dim: 1).toArray(Float.self) == [3, 4])
        #expect(try a.max().item() == 6)
        #expect(try a.argmax(dim: 1).toArray(Int.self) == [1, 2])
        let (v, i) = try a.topk(2, dim: 1)
        #expect(try v.toArray(Float.self) == [5, 3, 6, 4])
        #expect(try i.toArray(Int.self) == [1, 2, 2, 0])
        let lse = try a.logsumexp(dim: 1).toArray(Float.self)
        #expect(Swift.abs(lse[0] - Float(Foundation.log(Foundation.exp(1.0) + Foundation.exp(5.0) + Foundation.exp(3.0)))) < 1e-5)
        let (mv, mi) = try a.max(dim: 0)
        #expect(try mv.toArray(Float.self) == [4, 5, 6])
        #expect(try mi.toArray(Int.self) == [1, 0, 1])
    }

    @Test func comparisonsAndWhere() throws {
        let a = try Tensor([1, 5, 3] as [Float])
        let mask = try a.gt(2)
        #expect(try mask.toArray(Bool.self) == [false, true, true])
        let w = try Tensor.where(mask, a, Tensor.zeros([3]))
        #expect(try w.toArray(Float.self) == [0, 5, 3])
        #expect(try a.maskedFill(mask, -1).toArray(Float.self) == [1, -1, -1])
        #expect(try a.maskedSelect(mask).toArray(Float.self) == [5, 3])
    }

    @Test func gatherScatterIndexSelect() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let idx = try Tensor([2, 0] as [Int], shape: [2, 1])
        #expect(try a.gather(dim: 1, index: idx).toArray(Float.self) == [3, 4])
        let s = try Tensor.zeros([2, 3]).scatter(dim: 1, index: idx, source: Tensor.ones([2, 1]))
        #expect(try s.toArray(Float.self) == [0, 0, 1, 1, 0, 0])
        #expect(try a.indexSelect(dim: 0, index: Tensor([1] as [Int])).toArray(Float.self) == [4, 5, 6])
        #expect(throws: TorchError.self) { try a.indexSelect(dim: 0, index: Tensor([7] as [Int])) }
    }

    @Test func shapeOps() throws {
        let a = try Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        #expect(try a.permute([2, 0, 1]).shape == [4, 2, 3])
        #expect(try a.transpose(0, 2).shape == [4, 3, 2])
        #expect(try a.flatten(start: 1).shape == [2, 12])
        #expect(try a.reshape([6, -1]).shape == [6, 4])
        #expect(try Tensor.cat([a, a], dim: 1).shape == [2, 6, 4])
        #expect(try Tensor.stack([a, a], dim: 0).shape == [2, 2, 3, 4])
        let parts = try a.split(sizes: [1, 3], dim: 2)
        #expect(parts.map { $0.shape } == [[2, 3, 1], [2, 3, 3]])
        #expect(try a.unsqueeze(0).shape == [1, 2, 3, 4])
        #expect(throws: TorchError.self) { try a.reshape([5, 5]) }
    }

    @Test func nnFunctionsShapes() throws {
        let x = try Tensor.randn([2, 3, 8, 8])
        #expect(try Functional.maxPool2d(x, kernel: 2).shape == [2, 3, 4, 4])
        #expect(try Functional.avgPool2d(x, kernel: 2).shape == [2, 3, 4, 4])
        #expect(try Functional.adaptiveAvgPool2d(x, outputSize: (1, 1)).shape == [2, 3, 1, 1])
        #expect(try Functional.interpolate(x, size: (16, 16)).shape == [2, 3, 16, 16])
        #expect(try Functional.pad(x, [2, 2, 2, 2], mode: .reflect).shape == [2, 3, 12, 12])
        let p = try Functional.softmax(Tensor.randn([4, 5]), dim: 1).sum(dim: 1).toArray(Float.self)
        #expect(p.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
        let n = try Functional.normalize(Tensor([3, 4] as [Float], shape: [1, 2])).toArray(Float.self)
        #expect(n == [0.6, 0.8])
        let oh = try Functional.oneHot(Tensor([2, 0] as [Int]), numClasses: 3).toArray(Int.self)
        #expect(oh == [0, 0, 1, 1, 0, 0])
        let d = try Functional.dropout(Tensor.ones([1000]), p: 0.5, training: true).toArray(Float.self)
        #expect(Set(d) == [0, 2])
        #expect(try Functional.dropout(Tensor.ones([10]), p: 0.5, training: false).toArray(Float.self) == [Float](repeating: 1, count: 10))
        #expect(try Functional.leakyRelu(Tensor([-10, 1] as [Float]), slope: 0.1).toArray(Float.self) == [-1, 1])
    }

    @Test func crossEntropyMatchesHandComputation() throws {
        let logits = try Tensor([2, 1, 0, 0, 0, 3] as [Double], shape: [2, 3])
        let target = try Tensor([0, 2] as [Int])
        let expected = { (l: [Double], t: Int) in -(l[t] - Foundation.log(l.map(Foundation.exp).reduce(0, +))) }
        let want = (expected([2, 1, 0], 0) + expected([0, 0, 3], 2)) / 2
        #expect(Swift.abs(try Functional.crossEntropy(logits, target: target).item() - want) < 1e-12)
        // Class weights: weighted mean by the target's weight.
        let w = try Tensor([1, 1, 3] as [Double])
        let weighted = (expected([2, 1, 0], 0) * 1 + expected([0, 0, 3], 2) * 3) / 4
        #expect(Swift.abs(try Functional.crossEntropy(logits, target: target, weight: w).item() - weighted) < 1e-12)
        // Soft targets equal to one-hot give the same loss.
        let soft = try Functional.oneHot(target, numClasses: 3).to(.float64)
        #expect(Swift.abs(try Functional.crossEntropy(logits, target: soft).item() - want) < 1e-12)
        // Label smoothing eps: (1-eps) * CE + eps * mean over classes of -log p.
        let eps = 0.1
        let smooth = try Functional.crossEntropy(logits, target: target, labelSmoothing: eps).item()
        let lp = try Functional.logSoftmax(logits, dim: 1).toArray(Double.self)
        let row0: Double = lp[0..<3].reduce(0, +) / 3
        let row1: Double = lp[3..<6].reduce(0, +) / 3
        let uniform: Double = -(row0 + row1) / 2
        let expectedSmooth: Double = (1 - eps) * want + eps * uniform
        #expect(Swift.abs(smooth - expectedSmooth) < 1e-12)
    }
}

