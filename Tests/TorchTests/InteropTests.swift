import Foundation
import Testing
@testable import Torch
@testable import TorchNN
import TestSupport

/// Save/load parity with Python PyTorch of the same version, both directions.
@Suite struct InteropTests {
    @Test func loadsWhatPythonTorchSaves() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let path = "\(dir)/from_python.pt"
        let json = try PythonTorchRunner.run("""
        import json, torch
        torch.manual_seed(3)
        d = {'f32': torch.randn(3, 4), 'f64': torch.randn(5, dtype=torch.float64), 'i64': torch.arange(6).reshape(2, 3),
             'u8': torch.tensor([0, 7, 255], dtype=torch.uint8), 'b': torch.tensor([True, False]),
             't': torch.randn(4, 3).t()}
        torch.save(d, '\(path)')
        print(json.dumps({k: v.double().flatten().tolist() for k, v in d.items()}))
        """)
        let loaded = Dictionary(try Torch.loadTensors(from: path), uniquingKeysWith: { a, _ in a })
        #expect(loaded["f32"]?.dtype == .float32 && loaded["f64"]?.dtype == .float64)
        #expect(loaded["u8"]?.dtype == .uint8 && loaded["b"]?.dtype == .bool && loaded["i64"]?.shape == [2, 3])
        #expect(loaded["t"]?.shape == [3, 4])
        for (key, value) in json {
            let expected = try #require(value as? [Double])
            let got = try #require(loaded[key]).toArray(Double.self)
            #expect(got.count == expected.count)
            for (a, b) in zip(got, expected) { #expect(Swift.abs(a - b) <= 1e-12 * max(1, Swift.abs(b)), "\(key)") }
        }
    }

    @Test func pythonLoadsTailKitResNet32AndComputesTheSameLogits() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        Torch.manualSeed(11)
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        // A few training steps so BN running stats and num_batches_tracked are not at their defaults.
        for _ in 0..<2 { _ = try model(Tensor.randn([8, 3, 32, 32])) }
        model.eval()
        let x = try Tensor.randn([4, 3, 32, 32])
        let logits = try withNoGrad { try model(x) }.toArray(Float.self)
        try Torch.save(model.stateDict(), to: "\(dir)/model.pt")
        try Torch.save([("x", x)], to: "\(dir)/x.pt")
        let json = try PythonTorchRunner.run("""
        import json, torch
        from reference_models import IssResNetCIFAR
        state = torch.load('\(dir)/model.pt', weights_only=True)
        x = torch.load('\(dir)/x.pt', weights_only=True)['x']
        m = IssResNetCIFAR(10)
        m.load_state_dict(state, strict=True)
        m.eval()
        with torch.no_grad():
            out = m(x)
        print(json.dumps({'logits': out.flatten().tolist(), 'tracked': int(state['bn1.num_batches_tracked'])}))
        """)
        let theirs = try #require(json["logits"] as? [Double])
        #expect(theirs.count == logits.count)
        for (a, b) in zip(logits, theirs) { #expect(Swift.abs(Double(a) - b) < 1e-4) }
        #expect(json["tracked"] as? Int == 2)
    }

    @Test func badFileIsAnErrorNamingIt() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let path = "\(dir)/garbage.pt"
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Torch.loadTensors(from: path)
            Issue.record("garbage loaded")
        } catch {
            #expect("\(error)".contains(path))
        }
    }
}
