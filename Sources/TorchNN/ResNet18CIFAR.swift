import Torch

/// The network of RECORDS (Hong et al., ICLR 2023; `ResNet_s(name='resnet18')` in RECORDS-LTPLL's
/// `models/resnet.py`): a CIFAR ResNet-18 encoder (3x3 stem, no max-pool, BasicBlocks [2, 2, 2, 2] at
/// 64/128/256/512 channels with 1x1 conv + BN projection shortcuts) giving a 512-d post-ReLU feature
/// f(x), and a Linear head `fc`: logits = W f(x) + b.
///
/// State-dict keys match the reference: `encoder.conv1`, `encoder.bn1`,
/// `encoder.layer{1..4}.{0,1}.{conv1,bn1,conv2,bn2}`, `encoder.layer{2..4}.0.shortcut.{0,1}`, `fc`.
/// The reference's unused `use_norm` cosine head and SupCon variant are not provided.
///
/// ```swift
/// let net = try ResNet18CIFAR(numClasses: 10)
/// let (logits, features) = try net.forwardWithFeatures(Tensor.randn([8, 3, 32, 32]))   // [8, 10], [8, 512]
/// ```
public final class ResNet18CIFAR: Module, ClassifierModel {
    public let featureDim = 512
    public let numClasses: Int
    public let encoder: ResNet18CIFAREncoder
    public let classifier: Module

    public init(numClasses: Int, inChannels: Int = 3) throws {
        self.numClasses = numClasses
        encoder = try ResNet18CIFAREncoder(inChannels: inChannels)
        // The head keeps PyTorch's default Linear init: the reference's init loop runs inside the encoder.
        classifier = try Linear(512, numClasses)
        super.init()
        registerModule("encoder", encoder)
        registerModule("fc", classifier)
    }

    public func features(_ x: Tensor) throws -> Tensor { try encoder(x) }

    public func logits(fromFeatures f: Tensor) throws -> Tensor { try classifier(f) }

    public override func forward(_ x: Tensor) throws -> Tensor { try logits(fromFeatures: features(x)) }
}

/// The encoder of `ResNet18CIFAR`: image [N, C, H, W] to a 512-d feature [N, 512].
public final class ResNet18CIFAREncoder: Module {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let stages: [Sequential]

    public init(inChannels: Int = 3) throws {
        conv1 = try Conv2d(inChannels, 64, kernelSize: 3, stride: 1, padding: 1, bias: false)
        bn1 = try BatchNorm2d(64)
        var stages: [Sequential] = []
        var inPlanes = 64
        for (planes, stride) in [(64, 1), (128, 2), (256, 2), (512, 2)] {
            stages.append(Sequential(try ProjectionBasicBlock(inPlanes, planes, stride: stride),
                                     try ProjectionBasicBlock(planes, planes, stride: 1)))
            inPlanes = planes
        }
        self.stages = stages
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        for (i, s) in stages.enumerated() { registerModule("layer\(i + 1)", s) }
        // Reference init: Kaiming-normal, fan_out, on every conv (shortcuts included); BN stays 1/0.
        for case let c as Conv2d in namedModules().map({ $0.1 }) { try Init.kaimingNormal(c.weight, mode: .fanOut) }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var out = try Functional.relu(bn1(conv1(x)))
        for s in stages { out = try s(out) }
        return try Functional.adaptiveAvgPool2d(out, outputSize: (1, 1)).flatten(start: 1)
    }
}

/// conv3x3(stride) → BN → ReLU → conv3x3 → BN, plus the shortcut, then ReLU. The shortcut is a 1x1
/// conv + BN (`shortcut.0`, `shortcut.1`) when the shape changes, else the identity (no keys).
final class ProjectionBasicBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let shortcut: Sequential?

    init(_ inPlanes: Int, _ planes: Int, stride: Int) throws {
        conv1 = try Conv2d(inPlanes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = try BatchNorm2d(planes)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, stride: 1, padding: 1, bias: false)
        bn2 = try BatchNorm2d(planes)
        shortcut = stride != 1 || inPlanes != planes ? try resNetProjectionShortcut(inPlanes, planes, stride: stride) : nil
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
        if let shortcut { registerModule("shortcut", shortcut) }
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let out = try bn2(conv2(Functional.relu(bn1(conv1(x)))))
        return try Functional.relu(out + (shortcut?.forward(x) ?? x))
    }
}

/// The projection shortcut of ResNets with learnable shortcuts: 1x1 conv (stride, no bias) then BN,
/// as a Sequential so that its keys are `<name>.0` and `<name>.1`.
func resNetProjectionShortcut(_ inPlanes: Int, _ outPlanes: Int, stride: Int) throws -> Sequential {
    Sequential(try Conv2d(inPlanes, outPlanes, kernelSize: 1, stride: stride, bias: false), try BatchNorm2d(outPlanes))
}
