import Foundation
import Testing
@testable import TailKit
import TestSupport
import Torch
import TorchNN

/// TailKit checkpoints load in Python torch as the reference's checkpoint dict, strictly into the
/// reference's `resnet32` as ISS §2.1 defines it (`scripts/reference_models.py`, classifier `fc`), and
/// checkpoints of that model (keys prefixed `module.`) load into TailKit, giving the same logits.
@Suite struct CheckpointInteropTests {
    @Test func referenceCheckpointLoadsIntoTailKit() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let json = try PythonTorchRunner.run("""
        import json, torch
        from reference_models import IssResNetCIFAR
        torch.manual_seed(5)
        m = IssResNetCIFAR(10)
        m.train()
        for _ in range(2):
            m(torch.randn(8, 3, 32, 32))
        m.eval()
        x = torch.randn(2, 3, 32, 32)
        with torch.no_grad():
            out = m(x)
        sd = {'module.' + k: v for k, v in m.state_dict().items()}
        torch.save({'epoch': 200, 'arch': 'resnet32', 'state_dict': sd, 'best_acc1': torch.tensor(71.5),
                    'optimizer': torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9).state_dict()}, '\(dir)/ckpt.pth.tar')
        torch.save({'x': x}, '\(dir)/x.pt')
        print(json.dumps({'logits': out.flatten().tolist()}))
        """)
        let ckpt = try Checkpoint.read(from: "\(dir)/ckpt.pth.tar")
        #expect(ckpt.epoch == 200 && ckpt.arch == "resnet32" && Swift.abs(ckpt.bestTop1 - 71.5) < 1e-9)
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        try model.loadStateDict(ckpt.stateDict, strict: true)
        model.eval()
        let x = try #require(try Torch.loadTensors(from: "\(dir)/x.pt").first?.1)
        let ours = try withNoGrad { try model(x) }.toArray(Float.self)
        let theirs = try #require(json["logits"] as? [Double])
        try #require(ours.count == theirs.count && !ours.isEmpty)
        for (a, b) in zip(ours, theirs) { #expect(Swift.abs(Double(a) - b) < 1e-4) }
    }

    @Test func tailKitCheckpointLoadsInPythonAsTheReferenceLayout() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        model.eval()
        try Checkpoint(epoch: 7, arch: "resnet32", bestTop1: 42.0, stateDict: model.stateDict(), optimizerState: [],
                       configJSON: try TrainConfig().json(), classCounts: [1, 2]).write(to: "\(dir)/last.ckpt")
        let x = try Tensor.randn([2, 3, 32, 32])
        try Torch.save([("x", x)], to: "\(dir)/x.pt")
        let ours = try withNoGrad { try model(x) }.toArray(Float.self)
        let json = try PythonTorchRunner.run("""
        import json, torch
        from reference_models import IssResNetCIFAR
        ck = torch.load('\(dir)/last.ckpt', weights_only=True)
        m = IssResNetCIFAR(10)
        m.load_state_dict(ck['state_dict'], strict=True)
        m.eval()
        x = torch.load('\(dir)/x.pt', weights_only=True)['x']
        with torch.no_grad():
            out = m(x)
        print(json.dumps({'epoch': ck['epoch'], 'arch': ck['arch'], 'best': ck['best_acc1'], 'logits': out.flatten().tolist(),
                          'keys': [[k, list(v.shape)] for k, v in m.state_dict().items()]}))
        """)
        #expect(json["epoch"] as? Int == 7 && json["arch"] as? String == "resnet32" && json["best"] as? Double == 42.0)
        let keys = try #require(json["keys"] as? [[Any]])
        let ourKeys = model.stateDict()
        try #require(keys.count == ourKeys.count && !keys.isEmpty)
        for (theirs, ours) in zip(keys, ourKeys) {
            #expect(theirs.first as? String == ours.0 && theirs.last as? [Int] == ours.1.shape, "\(theirs) vs \(ours.0) \(ours.1.shape)")
        }
        #expect(ourKeys.suffix(2).map(\.0) == ["fc.weight", "fc.bias"])
        let theirs = try #require(json["logits"] as? [Double])
        try #require(ours.count == theirs.count && !ours.isEmpty)
        for (a, b) in zip(ours, theirs) { #expect(Swift.abs(Double(a) - b) < 1e-4) }
    }

    @Test func checkpointOfAnotherArchitectureListsTheMismatchedKeys() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let small = try ResNetCIFAR(blocksPerStage: 3, numClasses: 10)
        try Torch.save(small.stateDict(), to: "\(dir)/resnet20.pt")
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        do {
            try model.loadStateDict(try Checkpoint.modelWeights(from: "\(dir)/resnet20.pt"), strict: true)
            Issue.record("a ResNet-20 state dict loaded into a ResNet-32")
        } catch let mismatch as StateDictMismatch {
            #expect(mismatch.missingKeys.contains("layer1.4.conv1.weight"))
            #expect(mismatch.description.contains("missing keys"))
        }
    }

    @Test func missingCheckpointNamesThePath() {
        #expect(throws: TailKitError.badFile(path: "/nonexistent/x.ckpt", problem: "checkpoint not found")) {
            try Checkpoint.read(from: "/nonexistent/x.ckpt")
        }
    }
}
