import Foundation
import Testing
@testable import Torch
@testable import TorchNN
import TestSupport

/// Mixed precision reaches libtorch's own autocast: under `Autocast.run(.bfloat16)` every op of a small
/// network produces the dtype that Python's `torch.autocast("cpu", torch.bfloat16)` gives (libtorch's
/// lower-precision and fp32 lists decide, not TailKit); `GradScaler` skips an overflowing step and backs
/// off, as torch.amp.GradScaler does.
@Suite(.serialized) struct AutocastTests {
    /// Op name → output dtype for the same chain of ops, fp32 inputs, under bf16 autocast.
    private func swiftDTypes() throws -> [String: String] {
        Torch.manualSeed(0)
        let conv = try Conv2d(3, 8, kernelSize: 3, padding: 1), bn = try BatchNorm2d(8), fc = try Linear(8, 4)
        let x = try Tensor.randn([2, 3, 8, 8]), y = try Tensor([1, 3] as [Int])
        var out: [String: String] = [:]
        try Autocast.run(.bfloat16) {
            #expect(Autocast.isEnabled())
            let c = try conv(x); out["conv2d"] = c.dtype.description
            let b = try bn(c); out["batch_norm"] = b.dtype.description
            let r = try Functional.relu(b); out["relu"] = r.dtype.description
            let p = try Functional.adaptiveAvgPool2d(r, outputSize: (1, 1)).flatten(start: 1); out["adaptive_avg_pool2d"] = p.dtype.description
            let z = try fc(p); out["linear"] = z.dtype.description
            out["matmul"] = try p.matmul(try Tensor.randn([8, 4])).dtype.description
            out["softmax"] = try Functional.softmax(z, dim: 1).dtype.description
            out["log_softmax"] = try Functional.logSoftmax(z, dim: 1).dtype.description
            out["cross_entropy"] = try Functional.crossEntropy(z, target: y).dtype.description
            out["mse_loss"] = try Functional.mseLoss(z, try Tensor.zeros([2, 4])).dtype.description
            out["sum"] = try z.sum().dtype.description
            out["exp"] = try z.exp().dtype.description
            out["add_fp32"] = try (z + x.sum(dims: [2, 3]).narrow(dim: 1, start: 0, length: 1)).dtype.description
        }
        #expect(!Autocast.isEnabled(), "the region ends with the closure")
        return out
    }

    @Test func bf16OpsMatchPythonAutocast() throws {
        let ours = try swiftDTypes()
        let python = try PythonTorchRunner.run("""
        import json, torch
        import torch.nn as nn, torch.nn.functional as F
        torch.manual_seed(0)
        conv, bn, fc = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Linear(8, 4)
        x, y = torch.randn(2, 3, 8, 8), torch.tensor([1, 3])
        out = {}
        name = lambda t: str(t.dtype).replace('torch.', '')
        with torch.autocast('cpu', dtype=torch.bfloat16):
            c = conv(x); out['conv2d'] = name(c)
            b = bn(c); out['batch_norm'] = name(b)
            r = F.relu(b); out['relu'] = name(r)
            p = F.adaptive_avg_pool2d(r, (1, 1)).flatten(1); out['adaptive_avg_pool2d'] = name(p)
            z = fc(p); out['linear'] = name(z)
            out['matmul'] = name(p @ torch.randn(8, 4))
            out['softmax'] = name(F.softmax(z, 1))
            out['log_softmax'] = name(F.log_softmax(z, 1))
            out['cross_entropy'] = name(F.cross_entropy(z, y))
            out['mse_loss'] = name(F.mse_loss(z, torch.zeros(2, 4)))
            out['sum'] = name(z.sum())
            out['exp'] = name(z.exp())
            out['add_fp32'] = name(z + x.sum((2, 3))[:, 0:1])
        print(json.dumps(out))
        """)
        let expected = python.compactMapValues { $0 as? String }
        try #require(expected.count == ours.count, "\(expected.count) Python ops vs \(ours.count)")
        for (op, dtype) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(ours[op] == dtype, "\(op): TailKit \(ours[op] ?? "-") vs torch.autocast \(dtype)")
        }
        // The lists really split: convolutions and linear layers low, losses fp32.
        #expect(ours["conv2d"] == "bfloat16" && ours["linear"] == "bfloat16" && ours["cross_entropy"] == "float32")
    }

    @Test func gradScalerSkipsAnOverflowingStepAndBacksOff() throws {
        let w = try Tensor([1, 2] as [Float]).requiringGrad()
        let scaler = try GradScaler(initialScale: 1024, growthInterval: 2)
        // An overflow: the scaled loss's gradient is inf.
        try (w * Double.infinity).sum().backward()
        #expect(try scaler.unscale([w]) == false)
        try scaler.update()
        #expect(scaler.skippedSteps == 1)
        #expect(scaler.scale == 512)
        // Clean steps: gradients are divided by the scale; after `growthInterval` of them the scale doubles.
        for expectedScale in [512.0, 1024.0] {
            w.zeroGrad()
            try (w * scaler.scale).sum().backward()
            #expect(try scaler.unscale([w]))
            let g = try #require(w.grad).toArray(Float.self)
            #expect(g == [1, 1], "unscaled gradient \(g)")
            try scaler.update()
            #expect(scaler.scale == expectedScale)
        }
        #expect(scaler.skippedSteps == 1)
    }
}
