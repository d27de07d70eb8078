import Torch

/// The CIFAR ResNet of imbalanced-semi-self (Yang & Xu, NeurIPS 2020; `resnet32`, class `ResNet_s`
/// in `models/resnet_cifar.py`): 3x3 stem with 16 channels, three stages of BasicBlocks (16, 32, 64
/// channels), option-A (parameter-free) shortcuts, global average pooling to a 64-d feature f(x) and a
/// Linear (logits = W f(x) + b) or NormedLinear (cosine) head. Parameter names match the reference's
/// state dict (`conv1`, `bn1`, `layer1.0.conv1`, ..., `fc`), so `torch.load` + a strict
/// `load_state_dict` into the reference's `resnet32` reads a TailKit file and vice versa.
///
/// ```swift
/// let net = try ResNetCIFAR.resnet32(numClasses: 10)
/// let logits = try net(Tensor.randn([8, 3, 32, 32]))     // [8, 10]
/// ```
public final class ResNetCIFAR: Module, ClassifierModel {
    public let featureDim = 64
    public let numClasses: Int
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let stages: [Sequential]
    public let classifier: Module

    /// - Parameters:
    ///   - blocksPerStage: 5 gives ResNet-32 (6·5+2 layers); 3 gives ResNet-20, 9 ResNet-56.
    ///   - normedClassifier: NormedLinear head (LDAM), else Linear.
    public init(blocksPerStage: Int = 5, numClasses: Int, inChannels: Int = 3, normedClassifier: Bool = false) throws {
        self.numClasses = numClasses
        conv1 = try Conv2d(inChannels, 16, kernelSize: 3, stride: 1, padding: 1, bias: false)
        bn1 = try BatchNorm2d(16)
        var stages: [Sequential] = []
        var inPlanes = 16
        for (i, planes) in [16, 32, 64].enumerated() {
            var blocks: [Module] = []
            for b in 0..<blocksPerStage {
                blocks.append(try BasicBlockA(inPlanes, planes, stride: (i > 0 && b == 0) ? 2 : 1))
                inPlanes = planes
            }
            stages.append(Sequential(blocks))
        }
        self.stages = stages
        classifier = normedClassifier ? try NormedLinear(64, numClasses) : try Linear(64, numClasses)
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        for (i, s) in stages.enumerated() { registerModule("layer\(i + 1)", s) }
        registerModule("fc", classifier)
        try initialiseWeights()
    }

    public static func resnet32(numClasses: Int, inChannels: Int = 3, normedClassifier: Bool = false) throws -> ResNetCIFAR {
        try ResNetCIFAR(blocksPerStage: 5, numClasses: numClasses, inChannels: inChannels, normedClassifier: normedClassifier)
    }

    /// Kaiming-normal for every Conv2d and Linear weight; NormedLinear keeps its own init (reference quirk).
    private func initialiseWeights() throws {
        for (_, m) in namedModules() {
            if let c = m as? Conv2d { try Init.kaimingNormal(c.weight) }
            if let l = m as? Linear { try Init.kaimingNormal(l.weight) }
        }
    }

    public func features(_ x: Tensor) throws -> Tensor {
        var out = try Functional.relu(bn1(conv1(x)))
        for s in stages { out = try s(out) }
        let size = out.shape
        return try Functional.avgPool2d(out, kernel: size[2]).flatten(start: 1)
    }

    public func logits(fromFeatures f: Tensor) throws -> Tensor { try classifier(f) }

    public override func forward(_ x: Tensor) throws -> Tensor { try logits(fromFeatures: features(x)) }
}

/// conv3x3 → BN → ReLU → conv3x3 → BN, plus the option-A shortcut, then ReLU.
final class BasicBlockA: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let downsample: Bool
    let padChannels: Int

    init(_ inPlanes: Int, _ planes: Int, stride: Int) throws {
        conv1 = try Conv2d(inPlanes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = try BatchNorm2d(planes)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, stride: 1, padding: 1, bias: false)
        bn2 = try BatchNorm2d(planes)
        downsample = stride != 1 || inPlanes != planes
        padChannels = planes / 4
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let out = try bn2(conv2(Functional.relu(bn1(conv1(x)))))
        return try Functional.relu(out + shortcut(x))
    }

    /// Every second row and column, channels zero-padded by planes/4 on each side (no parameters).
    private func shortcut(_ x: Tensor) throws -> Tensor {
        guard downsample else { return x }
        let s = x.shape
        let sub = try x.slice(dim: 2, start: 0, end: s[2], step: 2).slice(dim: 3, start: 0, end: s[3], step: 2)
        return try Functional.pad(sub, [0, 0, 0, 0, padChannels, padChannels])
    }
}
