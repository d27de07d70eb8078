import Torch

/// DASO's WRN-28-w (Oh et al., CVPR 2022; ytaek-oh/daso `lib/models/wrn.py`) with its heads
/// (`SemiModel` in `lib/models/semi_model.py`, `ABCModel` in `lib/models/abc_model.py`): a
/// pre-activation wide ResNet encoder with LeakyReLU(0.1) giving a (64·w)-d feature f(x) (128-d for
/// WRN-28-2), a Linear classifier (logits = W f(x) + b), and optionally ReMixMatch's rotation head
/// and ABC's auxiliary balanced classifier.
///
/// State-dict keys match the reference: `encoder.init_conv`, `encoder.unit{1..3}.{0..3}.{pre_act.0,
/// identity,layer.N}`, `encoder.unit4.0`, `classifier.classifier`, `projection.projections` (rotation
/// head), `abc_classifier.classifier` (ABC). BN keeps PyTorch's defaults (momentum 0.1, eps 1e-5), as
/// the reference does.
///
/// ```swift
/// let net = try WideResNet(numClasses: 10, width: 2)          // WRN-28-2
/// let logits = try net(Tensor.randn([4, 3, 32, 32]))         // [4, 10]
/// ```
public final class WideResNet: Module, ClassifierModel {
    public let featureDim: Int
    public let numClasses: Int
    public let encoder: WideResNetEncoder
    /// DASO's `Classifier` wrapper; its Linear is `classifier.classifier`.
    public let classifier: Module
    /// Linear(featureDim, 4) for rotation prediction, when built `withRotationHead`.
    public let rotationHead: Module?
    /// ABC's auxiliary balanced classifier, when built `withABCClassifier`.
    public let abcClassifier: Module?

    /// - Parameters:
    ///   - width: the widening factor w (2 gives WRN-28-2).
    ///   - withRotationHead: ReMixMatch's `MODEL.WITH_ROTATION_HEAD`.
    ///   - withABCClassifier: FixMatch+ABC, or DASO with `ALGORITHM.ABC.APPLY`.
    public init(numClasses: Int, width: Int = 2, inChannels: Int = 3,
                withRotationHead: Bool = false, withABCClassifier: Bool = false) throws {
        guard width >= 1, numClasses >= 1 else {
            throw TorchError.invalidArgument("WideResNet: width \(width) and numClasses \(numClasses) must be positive")
        }
        self.numClasses = numClasses
        featureDim = 64 * width
        encoder = try WideResNetEncoder(width: width, inChannels: inChannels)
        classifier = try XavierLinearHead(featureDim, numClasses, linearName: "classifier")
        rotationHead = withRotationHead ? try XavierLinearHead(featureDim, 4, linearName: "projections") : nil
        abcClassifier = withABCClassifier ? try XavierLinearHead(featureDim, numClasses, linearName: "classifier") : nil
        super.init()
        registerModule("encoder", encoder)
        registerModule("classifier", classifier)
        if let rotationHead { registerModule("projection", rotationHead) }
        if let abcClassifier { registerModule("abc_classifier", abcClassifier) }
    }

    public func features(_ x: Tensor) throws -> Tensor { try encoder(x) }

    public func logits(fromFeatures f: Tensor) throws -> Tensor { try classifier(f) }

    /// Rotation logits [N, 4] (ReMixMatch's self-supervised rotation loss).
    public func rotationLogits(fromFeatures f: Tensor) throws -> Tensor {
        guard let rotationHead else { throw TorchError.invalidArgument("WideResNet was built without a rotation head") }
        return try rotationHead(f)
    }

    /// Logits of the ABC auxiliary classifier (ABC evaluates with these).
    public func abcLogits(fromFeatures f: Tensor) throws -> Tensor {
        guard let abcClassifier else { throw TorchError.invalidArgument("WideResNet was built without an ABC classifier") }
        return try abcClassifier(f)
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try logits(fromFeatures: features(x)) }
}

/// The WRN-28-w encoder: `init_conv`, three units of four pre-activation residual blocks
/// (16→16w, 16w→32w stride 2, 32w→64w stride 2), `unit4` = BN → LeakyReLU → global average pool.
public final class WideResNetEncoder: Module {
    static let slope = 0.1
    let initConv: Conv2d
    let units: [Sequential]
    let finalBN: BatchNorm2d

    public init(width: Int = 2, inChannels: Int = 3) throws {
        let channels = [16, 16 * width, 32 * width, 64 * width]
        initConv = try Conv2d(inChannels, 16, kernelSize: 3, stride: 1, padding: 1, bias: false)
        var units: [Sequential] = []
        for u in 0..<3 {
            var blocks = [try WideResidualBlock(channels[u], channels[u + 1], stride: u == 0 ? 1 : 2,
                                                activateBeforeResidual: u == 0)]
            for _ in 1..<4 { blocks.append(try WideResidualBlock(channels[u + 1], channels[u + 1], stride: 1)) }
            units.append(Sequential(blocks))
        }
        self.units = units
        finalBN = try BatchNorm2d(channels[3])
        super.init()
        registerModule("init_conv", initConv)
        for (i, unit) in units.enumerated() { registerModule("unit\(i + 1)", unit) }
        // unit4 is a Sequential in the reference; only its BN (index 0) has state.
        registerModule("unit4", Sequential(finalBN, LeakyReLU(slope: Self.slope)))
        for case let c as Conv2d in namedModules().map({ $0.1 }) { try Init.kaimingNormal(c.weight, mode: .fanOut) }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var out = try initConv(x)
        for unit in units { out = try unit(out) }
        out = try Functional.leakyRelu(finalBN(out), slope: Self.slope)
        // flatten, not the reference's squeeze(): a batch of one stays [1, D].
        return try Functional.adaptiveAvgPool2d(out, outputSize: (1, 1)).flatten(start: 1)
    }
}

/// DASO's `residual`: output = shortcut(a) + layer(a). With `activateBeforeResidual` (first block
/// only) a = LeakyReLU(BN(x)) feeds both branches; otherwise a = x and the main branch starts with
/// BN → LeakyReLU. Main branch: conv3x3(stride) → BN → LeakyReLU → conv3x3. The shortcut is a 1x1 conv
/// (`identity`) when the stride is 2 or the channels change, else the identity.
final class WideResidualBlock: Module {
    let preActivation: Sequential?
    let projection: Conv2d?
    let layer: Sequential

    init(_ inChannels: Int, _ outChannels: Int, stride: Int, activateBeforeResidual: Bool = false) throws {
        let slope = WideResNetEncoder.slope
        var main: [Module] = []
        if activateBeforeResidual {
            preActivation = Sequential(try BatchNorm2d(inChannels), LeakyReLU(slope: slope))
        } else {
            preActivation = nil
            main += [try BatchNorm2d(inChannels), LeakyReLU(slope: slope)]
        }
        main += [try Conv2d(inChannels, outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false),
                 try BatchNorm2d(outChannels), LeakyReLU(slope: slope),
                 try Conv2d(outChannels, outChannels, kernelSize: 3, stride: 1, padding: 1, bias: false)]
        layer = Sequential(main)
        projection = stride >= 2 || inChannels != outChannels
            ? try Conv2d(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false) : nil
        super.init()
        // The reference's attribute order: pre_act, identity, layer.
        if let preActivation { registerModule("pre_act", preActivation) }
        if let projection { registerModule("identity", projection) }
        registerModule("layer", layer)
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let a = try preActivation?.forward(x) ?? x
        return try (projection?.forward(a) ?? a) + layer(a)
    }
}

/// DASO's `Classifier` and `RotationHead`: a module holding one Linear under `linearName`, with
/// Xavier-normal weight and zero bias.
final class XavierLinearHead: Module {
    let linear: Linear

    init(_ inFeatures: Int, _ outFeatures: Int, linearName: String) throws {
        linear = try Linear(inFeatures, outFeatures)
        try Init.xavierNormal(linear.weight)
        if let bias = linear.bias { try bias.zero() }
        super.init()
        registerModule(linearName, linear)
    }

    override func forward(_ x: Tensor) throws -> Tensor { try linear(x) }
}
