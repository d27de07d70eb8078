import Torch

/// ImageNet-style bottleneck ResNet (ResNet-50 by default) for ImageNet-LT / iNaturalist, the networks
/// of imbalanced-semi-self (Yang & Xu, NeurIPS 2020): `models/resnet.py` (rotation pre-training),
/// `imagenet_inat/models/ResNetFeature.py` (the two-stage trainer) and torchvision's ResNet-50 inside
/// `moco/builder.py` (MoCo pre-training). A 7x7 stride-2 stem, 3x3 stride-2 max-pool, bottleneck stages
/// at 64/128/256/512 planes (x4 expansion, stride on the 3x3 conv, 1x1 conv + BN projection shortcuts),
/// global average pool to a 2048-d feature, and a classifier: logits = W · f(x) + b.
///
/// The references end with a fixed 7x7 average pool, which needs 224x224 inputs; global average pooling
/// is the same there and also accepts smaller images.
///
/// ```swift
/// let net = try ResNetImageNet.resnet50(numClasses: 1000)
/// let logits = try net(Tensor.randn([2, 3, 64, 64]))     // [2, 1000]
/// ```
public final class ResNetImageNet: Module, ClassifierModel {
    /// Which reference's module names (and initialisation) the network follows.
    public enum KeyLayout: Sendable {
        /// torchvision names: shortcuts `downsample.{0,1}`, classifier `fc`. The feature model of
        /// `imagenet_inat/models/ResNetFeature.py` has exactly these keys without `fc.*`, and its separate
        /// `DotProduct_Classifier` (`imagenet_inat/models/DotProductClassifier.py`) holds exactly
        /// `fc.weight`/`fc.bias`; MoCo's encoder (`moco/builder.py`) is this layout too. Convs are
        /// initialised N(0, 2/(k·k·out)), as `ResNetFeature` does.
        case torchvision
        /// imbalanced-semi-self's `models/resnet.py` (`pretrain_rot.py`'s network): shortcuts
        /// `shortcut.{0,1}`, classifier `linear`; PyTorch's default initialisation everywhere.
        case shortcutLinear
    }

    public let featureDim = 2048
    public let numClasses: Int
    public let layout: KeyLayout
    public let classifier: Module
    /// The name the classifier is registered under (`fc` or `linear`).
    public let classifierName: String
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let stages: [Sequential]

    /// - Parameters:
    ///   - blocks: bottlenecks per stage; [3, 4, 6, 3] is ResNet-50, [3, 4, 23, 3] ResNet-101.
    ///   - classifier: a head taking the 2048-d feature to `numClasses` outputs; nil gives Linear(2048, numClasses).
    public init(blocks: [Int] = [3, 4, 6, 3], numClasses: Int, layout: KeyLayout = .torchvision,
                inChannels: Int = 3, classifier: Module? = nil) throws {
        guard blocks.count == 4, blocks.allSatisfy({ $0 >= 1 }) else {
            throw TorchError.invalidArgument("ResNetImageNet: blocks must be four positive counts, got \(blocks)")
        }
        self.numClasses = numClasses
        self.layout = layout
        conv1 = try Conv2d(inChannels, 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = try BatchNorm2d(64)
        var stages: [Sequential] = []
        var inPlanes = 64
        for (i, planes) in [64, 128, 256, 512].enumerated() {
            var stage: [Module] = []
            for b in 0..<blocks[i] {
                stage.append(try ResNetBottleneck(inPlanes, planes, stride: (i > 0 && b == 0) ? 2 : 1, layout: layout))
                inPlanes = planes * ResNetBottleneck.expansion
            }
            stages.append(Sequential(stage))
        }
        self.stages = stages
        classifierName = layout == .torchvision ? "fc" : "linear"
        // Built after the backbone's init so that it keeps PyTorch's default Linear init, as in the references.
        if layout == .torchvision {
            for c in [conv1] + stages.flatMap({ $0.namedModules().compactMap { $0.1 as? Conv2d } }) {
                try Init.kaimingNormal(c.weight, mode: .fanOut)
            }
        }
        self.classifier = try classifier ?? Linear(2048, numClasses)
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        for (i, s) in stages.enumerated() { registerModule("layer\(i + 1)", s) }
        registerModule(classifierName, self.classifier)
    }

    public static func resnet50(numClasses: Int, layout: KeyLayout = .torchvision) throws -> ResNetImageNet {
        try ResNetImageNet(blocks: [3, 4, 6, 3], numClasses: numClasses, layout: layout)
    }

    /// MoCo v2's query/key encoder (`moco/builder.py` with `pretrain_moco.py`'s `--mlp`): torchvision
    /// ResNet-50 whose `fc` is Linear(2048, 2048) → ReLU → Linear(2048, dim) (keys `fc.0`, `fc.2`), or
    /// Linear(2048, dim) without `mlp`.
    public static func mocoEncoder(dim: Int = 128, mlp: Bool = true) throws -> ResNetImageNet {
        let head: Module = mlp ? Sequential(try Linear(2048, 2048), ReLU(), try Linear(2048, dim)) : try Linear(2048, dim)
        return try ResNetImageNet(numClasses: dim, layout: .torchvision, classifier: head)
    }

    /// The state dict split as the two-network checkpoints of `imagenet_inat/run_networks.py` store
    /// it: the feature model (`feat_model`, every key outside the classifier) and the classifier
    /// (`fc.*` / `linear.*`).
    public func splitStateDict() -> (features: [(String, Tensor)], classifier: [(String, Tensor)]) {
        let all = stateDict()
        let isClassifier = { (key: String) in key.hasPrefix(self.classifierName + ".") }
        return (all.filter { !isClassifier($0.0) }, all.filter { isClassifier($0.0) })
    }

    public func features(_ x: Tensor) throws -> Tensor {
        var out = try Functional.maxPool2d(Functional.relu(bn1(conv1(x))), kernel: 3, stride: 2, padding: 1)
        for s in stages { out = try s(out) }
        return try Functional.adaptiveAvgPool2d(out, outputSize: (1, 1)).flatten(start: 1)
    }

    public func logits(fromFeatures f: Tensor) throws -> Tensor { try classifier(f) }

    public override func forward(_ x: Tensor) throws -> Tensor { try logits(fromFeatures: features(x)) }
}

/// conv1x1 → BN → ReLU → conv3x3(stride) → BN → ReLU → conv1x1 (x4 channels) → BN, plus the shortcut,
/// then ReLU. The projection shortcut is named after the layout (`downsample` or `shortcut`).
final class ResNetBottleneck: Module {
    static let expansion = 4
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    let projection: Sequential?

    init(_ inPlanes: Int, _ planes: Int, stride: Int, layout: ResNetImageNet.KeyLayout) throws {
        let outPlanes = planes * Self.expansion
        conv1 = try Conv2d(inPlanes, planes, kernelSize: 1, bias: false)
        bn1 = try BatchNorm2d(planes)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn2 = try BatchNorm2d(planes)
        conv3 = try Conv2d(planes, outPlanes, kernelSize: 1, bias: false)
        bn3 = try BatchNorm2d(outPlanes)
        projection = stride != 1 || inPlanes != outPlanes ? try resNetProjectionShortcut(inPlanes, outPlanes, stride: stride) : nil
        super.init()
        for (name, m) in [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2), ("conv3", conv3), ("bn3", bn3)] as [(String, Module)] {
            registerModule(name, m)
        }
        if let projection { registerModule(layout == .torchvision ? "downsample" : "shortcut", projection) }
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        var out = try Functional.relu(bn1(conv1(x)))
        out = try Functional.relu(bn2(conv2(out)))
        out = try bn3(conv3(out))
        return try Functional.relu(out + (projection?.forward(x) ?? x))
    }
}
