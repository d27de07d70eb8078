import Foundation
import Testing
@testable import Torch
@testable import TorchNN
import TestSupport

/// The reference networks (RECORDS ResNet-18, DASO WRN-28-2, ImageNet ResNet-50): shapes, parameter
/// counts, initialisation, and state dicts that Python PyTorch (scripts/reference_models.py) loads
/// strictly and evaluates to the same logits.
@Suite struct ArchitectureTests {
    // MARK: Shapes and parameter counts
    // Counts printed by `python3 scripts/reference_models.py` (torch 2.13.0): sum(p.numel()).

    @Test func resNet18CIFARShapesAndParameterCount() throws {
        let model = try ResNet18CIFAR(numClasses: 10)
        let out = try model.forwardWithFeatures(archTestInput([2, 3, 32, 32]))
        #expect(out.logits.shape == [2, 10] && out.features.shape == [2, 512] && model.featureDim == 512)
        #expect(model.parameterCount == 11_173_962)
        #expect(try ResNet18CIFAR(numClasses: 100).parameterCount == 11_220_132)
    }

    @Test func wideResNetShapesAndParameterCount() throws {
        let plain = try WideResNet(numClasses: 10)
        let out = try plain.forwardWithFeatures(archTestInput([2, 3, 32, 32]))
        #expect(out.logits.shape == [2, 10] && out.features.shape == [2, 128] && plain.featureDim == 128)
        #expect(plain.parameterCount == 1_467_610)
        #expect(throws: TorchError.self) { try plain.rotationLogits(fromFeatures: out.features) }

        let full = try WideResNet(numClasses: 10, withRotationHead: true, withABCClassifier: true)
        let f = try full.features(archTestInput([1, 3, 32, 32]))
        #expect(f.shape == [1, 128])
        #expect(try full.rotationLogits(fromFeatures: f).shape == [1, 4] && full.abcLogits(fromFeatures: f).shape == [1, 10])
        #expect(full.parameterCount == 1_469_416)
    }

    @Test func resNet50ShapesAndParameterCounts() throws {
        let model = try ResNetImageNet.resnet50(numClasses: 1000)
        let out = try model.forwardWithFeatures(archTestInput([1, 3, 64, 64]))
        #expect(out.logits.shape == [1, 1000] && out.features.shape == [1, 2048])
        #expect(model.parameterCount == 25_557_032)
        #expect(try ResNetImageNet.resnet50(numClasses: 4, layout: .shortcutLinear).parameterCount == 23_516_228)
        let moco = try ResNetImageNet.mocoEncoder(dim: 128)
        #expect(moco.parameterCount == 27_966_656 && moco.numClasses == 128)
        let split = model.splitStateDict()
        #expect(split.classifier.map { $0.0 } == ["fc.weight", "fc.bias"])
        #expect(split.features.count + 2 == model.stateDict().count)
    }

    @Test func badConfigurationsAreErrors() {
        #expect(throws: TorchError.self) { try ResNetImageNet(blocks: [3, 4, 6], numClasses: 10) }
        #expect(throws: TorchError.self) { try WideResNet(numClasses: 10, width: 0) }
    }

    // MARK: Initialisation (the spec's schemes, checked by their spread)

    @Test func convolutionsUseKaimingFanOutAndHeadsTheirReferenceInit() throws {
        let records = try ResNet18CIFAR(numClasses: 10)
        // Convs whose fan_out differs from their fan_in, so that the mode shows. layer4.0.conv1: 256→512, 3x3.
        try expectStd(archParameter(records, "encoder.layer4.0.conv1.weight"), (2.0 / (9 * 512)).squareRoot())
        // fc keeps PyTorch's default Linear init: U(±1/sqrt(512)) for weight and bias.
        let fcBias = try archParameter(records, "fc.bias").toArray(Float.self)
        #expect(fcBias.allSatisfy { Swift.abs(Double($0)) <= 1 / 512.0.squareRoot() } && fcBias.contains { $0 != 0 })

        let wrn = try WideResNet(numClasses: 10)
        // unit3.0.layer.2: 64→128, 3x3.
        try expectStd(archParameter(wrn, "encoder.unit3.0.layer.2.weight"), (2.0 / (9 * 128)).squareRoot())
        try expectStd(archParameter(wrn, "classifier.classifier.weight"), (2.0 / (128 + 10)).squareRoot(), tolerance: 0.1)
        #expect(try archParameter(wrn, "classifier.classifier.bias").toArray(Float.self).allSatisfy { $0 == 0 })

        let tv = try ResNetImageNet.resnet50(numClasses: 10)
        // layer4.0.conv3: 512→2048, 1x1.
        try expectStd(archParameter(tv, "layer4.0.conv3.weight"), (2.0 / 2048).squareRoot())
        // The ISS models/resnet.py layout keeps PyTorch's default conv init: U(±1/sqrt(fan_in)).
        let iss = try ResNetImageNet.resnet50(numClasses: 4, layout: .shortcutLinear)
        let bound = 1 / 512.0.squareRoot()
        let w = try archParameter(iss, "layer4.0.conv3.weight")
        #expect(try w.abs().max().item() <= bound)
        try expectStd(w, bound / 3.0.squareRoot())
    }

    // MARK: State dicts against the PyTorch references
    // Each test compares the ordered (key, shape) lists with the reference's state_dict(), then has
    // PyTorch load TailKit's weights strictly and compute the same eval-mode logits.

    @Test func resNet18CIFARMatchesPyTorchKeyForKeyAndLogits() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let model = try ResNet18CIFAR(numClasses: 10)
        let logits = try trainThenEvaluate(model, inputShape: [2, 3, 32, 32], savingInputTo: dir)
        try writeRawArchState(model.stateDict(), to: dir)
        let json = try PythonTorchRunner.run("""
        import json, reference_models as rm
        m = rm.RecordsResNet18(10)
        layout = rm.state_dict_layout(m)
        rm.load_raw_state(m, '\(dir)')
        print(json.dumps({'layout': layout, 'logits': rm.eval_logits(m, '\(dir)/x.pt')}))
        """)
        try expectSameLayout(model.stateDict(), json)
        try expectClose(logits, json["logits"])
    }

    /// Through a real `Torch.save` file (the model is small enough for the debug-build zip writer),
    /// plus the key lists of the ReMixMatch (rotation head) and ABC variants.
    @Test func wideResNetMatchesPyTorchKeyForKeyAndLogits() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let model = try WideResNet(numClasses: 10)
        let logits = try trainThenEvaluate(model, inputShape: [2, 3, 32, 32], savingInputTo: dir)
        try Torch.save(model.stateDict(), to: "\(dir)/model.pt")
        let withHeads = try WideResNet(numClasses: 7, withRotationHead: true, withABCClassifier: true)
        let json = try PythonTorchRunner.run("""
        import json, reference_models as rm
        m = rm.DasoSemiModel(10)
        layout = rm.state_dict_layout(m)
        rm.load_saved_state(m, '\(dir)/model.pt')
        heads = rm.state_dict_layout(rm.DasoSemiModel(7, rotation_head=True, abc=True))
        print(json.dumps({'layout': layout, 'heads': heads, 'logits': rm.eval_logits(m, '\(dir)/x.pt')}))
        """)
        try expectSameLayout(model.stateDict(), json)
        try expectSameLayout(withHeads.stateDict(), json, key: "heads")
        try expectClose(logits, json["logits"])
    }

    /// ISS §2.4 stores a feature model and a `DotProduct_Classifier` separately: the split halves have
    /// their keys and give TailKit's logits. Also the keys of the `shortcut`/`linear` layout (§2.3) and
    /// of MoCo's encoder with its MLP head (§2.6).
    @Test func resNet50MatchesTheISSFeatureModelClassifierAndOtherLayouts() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let model = try ResNetImageNet.resnet50(numClasses: 10)
        // 32x32 keeps it quick: layer4 is then 1x1, still two values per channel for batch statistics.
        let logits = try trainThenEvaluate(model, inputShape: [2, 3, 32, 32], savingInputTo: dir)
        let split = model.splitStateDict()
        try writeRawArchState(split.features + split.classifier, to: dir)
        let iss = try ResNetImageNet.resnet50(numClasses: 4, layout: .shortcutLinear)
        let moco = try ResNetImageNet.mocoEncoder(dim: 128)
        let json = try PythonTorchRunner.run("""
        import json, torch.nn as nn, reference_models as rm
        feat, cls = rm.ImageNetResNetFeature(), rm.DotProductClassifier(10)
        both = nn.Sequential(feat, cls)   # keys 0.* then 1.*: the split halves in TailKit's order
        out = {'feat': rm.state_dict_layout(feat), 'cls': rm.state_dict_layout(cls),
               'iss': rm.state_dict_layout(rm.IssResNet50(4)),
               'moco': rm.state_dict_layout(rm.TorchvisionResNet50(128, moco_mlp=True))}
        rm.load_raw_state(both, '\(dir)')
        out['logits'] = rm.eval_logits(both, '\(dir)/x.pt')
        print(json.dumps(out))
        """)
        try expectSameLayout(split.features, json, key: "feat")
        try expectSameLayout(split.classifier, json, key: "cls")
        try expectSameLayout(iss.stateDict(), json, key: "iss")
        try expectSameLayout(moco.stateDict(), json, key: "moco")
        try expectClose(logits, json["logits"])
    }
}

// MARK: Helpers

/// A fixed input from a private generator (tests run in parallel and share the default one).
private func archTestInput(_ shape: [Int], seed: UInt64 = 5) throws -> Tensor {
    try Tensor.randn(shape, generator: TorchGenerator(seed: seed))
}

private func archParameter(_ model: Module, _ name: String) throws -> Tensor {
    try #require(model.stateDict().first { $0.0 == name }?.1, "no \(name)")
}

private func expectStd(_ w: Tensor, _ expected: Double, tolerance: Double = 0.03,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
    let std = try w.std().item()
    #expect(Swift.abs(std - expected) <= tolerance * expected, "std \(std), expected \(expected)", sourceLocation: sourceLocation)
}

/// Two training-mode passes (so BN statistics and counters leave their defaults), then eval-mode
/// logits on a fixed input, which is saved as `x` in `dir/x.pt` for Python.
private func trainThenEvaluate(_ model: Module, inputShape: [Int], savingInputTo dir: String) throws -> [Float] {
    for seed: UInt64 in [1, 2] { _ = try withNoGrad { try model(archTestInput(inputShape, seed: seed)) } }
    model.eval()
    let x = try archTestInput(inputShape)
    try Torch.save([("x", x)], to: "\(dir)/x.pt")
    return try withNoGrad { try model(x) }.toArray(Float.self)
}

/// Raw bytes of each tensor, `<i>.bin` in state-dict order (read by reference_models.load_raw_state):
/// ResNet-sized zip files take a debug build tens of seconds to checksum.
private func writeRawArchState(_ state: [(String, Tensor)], to dir: String) throws {
    for (i, (_, t)) in state.enumerated() {
        try Data(t.contiguousBytes()).write(to: URL(fileURLWithPath: "\(dir)/\(i).bin"))
    }
}

private func expectSameLayout(_ state: [(String, Tensor)], _ json: [String: Any], key: String = "layout",
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
    let entries = try #require(json[key] as? [[Any]], "no \(key) in Python's answer", sourceLocation: sourceLocation)
    let theirs = entries.map { ArchLayoutEntry(name: $0.first as? String ?? "?", shape: $0.last as? [Int] ?? [-1]) }
    let ours = state.map { ArchLayoutEntry(name: $0.0, shape: $0.1.shape) }
    #expect(ours.count == theirs.count, sourceLocation: sourceLocation)
    let firstDifference = zip(ours, theirs).first { $0 != $1 }
    #expect(firstDifference == nil, "first difference (ours, PyTorch's): \(String(describing: firstDifference))",
            sourceLocation: sourceLocation)
}

private struct ArchLayoutEntry: Equatable {
    var name: String
    var shape: [Int]
}

private func expectClose(_ ours: [Float], _ theirsJSON: Any?, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let theirs = try #require(theirsJSON as? [Double], sourceLocation: sourceLocation)
    #expect(ours.count == theirs.count, sourceLocation: sourceLocation)
    let scale = max(1, theirs.map { Swift.abs($0) }.max() ?? 1)
    let worst = zip(ours, theirs).map { Swift.abs(Double($0) - $1) }.max() ?? .infinity
    #expect(worst <= 1e-4 * scale, "largest logit difference \(worst) (scale \(scale))", sourceLocation: sourceLocation)
}
