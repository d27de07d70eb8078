"""Reference PyTorch definitions of the networks TailKit reimplements, written (not copied) from the
reference repositories' models: imbalanced-semi-self `models/resnet_cifar.py`, `models/resnet.py` and
`imagenet_inat/models/ResNetFeature.py`; RECORDS-LTPLL `models/resnet.py`; DASO `lib/models/wrn.py`.
Module names follow those repositories so that `state_dict()` keys are the ones their checkpoints carry. Used by the Swift tests
(Tests/TorchTests/ArchitectureTests.swift) to compare keys, shapes, parameter counts and logits."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F


def _conv_fan_out_init(model):
    """Kaiming-normal with fan_out and ReLU gain on every conv, BN gamma 1 / beta 0."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def _projection(in_planes, out_planes, stride):
    return nn.Sequential(nn.Conv2d(in_planes, out_planes, 1, stride, bias=False), nn.BatchNorm2d(out_planes))


# --- imbalanced-semi-self models/resnet_cifar.py: CIFAR ResNet `ResNet_s` with classifier `fc` ----------

class IssBasicBlockA(nn.Module):
    """conv3x3 -> BN -> ReLU -> conv3x3 -> BN, + the parameter-free option-A shortcut, ReLU."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.down = stride != 1 or in_planes != planes
        self.pad = planes // 4

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        short = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad)) if self.down else x
        return F.relu(out + short)


class IssNormedLinear(nn.Module):
    """Cosine classifier: weight [in, out], out = normalize(x, rows) @ normalize(W, columns)."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.weight.data.uniform_(-1, 1).renorm_(2, 1, 1e-5).mul_(1e5)

    def forward(self, x):
        return F.normalize(x, dim=1).mm(F.normalize(self.weight, dim=0))


class IssResNetCIFAR(nn.Module):
    """`ResNet_s` of models/resnet_cifar.py: resnet32 = 5 blocks per stage,
    head `fc` = Linear(64, C) or NormedLinear(64, C) (LDAM, `use_norm=True`)."""

    def __init__(self, num_classes=10, blocks=5, use_norm=False, in_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        in_planes = 16
        for i, planes in enumerate([16, 32, 64]):
            stage = []
            for b in range(blocks):
                stage.append(IssBasicBlockA(in_planes, planes, 2 if (i > 0 and b == 0) else 1))
                in_planes = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
        self.fc = IssNormedLinear(64, num_classes) if use_norm else nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def features(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        return F.avg_pool2d(out, out.size()[3]).flatten(1)

    def forward(self, x):
        return self.fc(self.features(x))


# --- RECORDS-LTPLL models/resnet.py: CIFAR ResNet-18 encoder + `fc` ------------------------------------------------

class RecordsBasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        # An empty Sequential has no parameters, so identity shortcuts add no keys.
        self.shortcut = _projection(in_planes, planes, stride) if stride != 1 or in_planes != planes else nn.Sequential()

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + self.shortcut(x))


class RecordsEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        in_planes = 64
        for i, (planes, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)]):
            blocks = [RecordsBasicBlock(in_planes, planes, stride), RecordsBasicBlock(planes, planes, 1)]
            in_planes = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        _conv_fan_out_init(self)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return F.adaptive_avg_pool2d(out, 1).flatten(1)


class RecordsResNet18(nn.Module):
    """`ResNet_s(name='resnet18')` with the plain Linear head (s = 1)."""

    def __init__(self, num_classes):
        super().__init__()
        self.encoder = RecordsEncoder()
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        return self.fc(self.encoder(x))


# --- DASO lib/models: WRN-28-w encoder + Classifier wrappers ---------------------------------

def _lrelu():
    return nn.LeakyReLU(0.1)


class DasoResidual(nn.Module):
    def __init__(self, cin, cout, stride=1, activate_before_residual=False):
        super().__init__()
        layer = []
        if activate_before_residual:
            self.pre_act = nn.Sequential(nn.BatchNorm2d(cin), _lrelu())
        else:
            self.pre_act = nn.Identity()
            layer += [nn.BatchNorm2d(cin), _lrelu()]
        layer += [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), _lrelu(),
                  nn.Conv2d(cout, cout, 3, 1, 1, bias=False)]
        self.identity = nn.Conv2d(cin, cout, 1, stride, bias=False) if stride >= 2 or cin != cout else nn.Identity()
        self.layer = nn.Sequential(*layer)

    def forward(self, x):
        x = self.pre_act(x)
        return self.identity(x) + self.layer(x)


class DasoWRN(nn.Module):
    def __init__(self, width=2, depth_per_unit=4):
        super().__init__()
        self.init_conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        f = [16, 16 * width, 32 * width, 64 * width]
        for u in range(3):
            blocks = [DasoResidual(f[u], f[u + 1], 1 if u == 0 else 2, activate_before_residual=(u == 0))]
            blocks += [DasoResidual(f[u + 1], f[u + 1]) for _ in range(depth_per_unit - 1)]
            setattr(self, f"unit{u + 1}", nn.Sequential(*blocks))
        self.unit4 = nn.Sequential(nn.BatchNorm2d(f[3]), _lrelu(), nn.AdaptiveAvgPool2d(1))
        _conv_fan_out_init(self)

    def forward(self, x):
        return self.unit4(self.unit3(self.unit2(self.unit1(self.init_conv(x))))).flatten(1)


class DasoLinear(nn.Module):
    """DASO's `Classifier` / `RotationHead`: one Linear under `child`, Xavier-normal weight, zero bias."""

    def __init__(self, cin, cout, child):
        super().__init__()
        lin = nn.Linear(cin, cout)
        nn.init.xavier_normal_(lin.weight)
        nn.init.zeros_(lin.bias)
        setattr(self, child, lin)
        self.child = child

    def forward(self, x):
        return getattr(self, self.child)(x)


class DasoSemiModel(nn.Module):
    """SemiModel (+ `projection` rotation head for ReMixMatch, + `abc_classifier` for ABC)."""

    def __init__(self, num_classes, width=2, rotation_head=False, abc=False):
        super().__init__()
        self.encoder = DasoWRN(width)
        self.classifier = DasoLinear(64 * width, num_classes, "classifier")
        if rotation_head:
            self.projection = DasoLinear(64 * width, 4, "projections")
        if abc:
            self.abc_classifier = DasoLinear(64 * width, num_classes, "classifier")

    def forward(self, x):
        return self.classifier(self.encoder(x))


# --- ImageNet-style ResNet-50 (models/resnet.py: `shortcut`/`linear`; ResNetFeature.py + MoCo: `downsample`/`fc`) --

class Bottleneck(nn.Module):
    def __init__(self, cin, planes, stride, shortcut_name):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.shortcut_name = shortcut_name
        if stride != 1 or cin != planes * 4:
            setattr(self, shortcut_name, _projection(cin, planes * 4, stride))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        short = getattr(self, self.shortcut_name)(x) if hasattr(self, self.shortcut_name) else x
        return F.relu(out + short)


class ImageNetResNetFeature(nn.Module):
    """7x7 stem, max-pool, bottleneck stages, global average pool (equal to the references' 7x7
    average pool at 224x224 input)."""

    def __init__(self, blocks=(3, 4, 6, 3), shortcut_name="downsample", fan_out_init=True):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        cin = 64
        for i, (planes, n) in enumerate(zip([64, 128, 256, 512], blocks)):
            stride = 1 if i == 0 else 2
            layer = []
            for b in range(n):
                layer.append(Bottleneck(cin, planes, stride if b == 0 else 1, shortcut_name))
                cin = planes * 4
            setattr(self, f"layer{i + 1}", nn.Sequential(*layer))
        if fan_out_init:
            _conv_fan_out_init(self)

    def forward(self, x):
        out = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return F.adaptive_avg_pool2d(out, 1).flatten(1)


class DotProductClassifier(nn.Module):
    """imagenet_inat's separate classifier network (DotProductClassifier.py): a Linear named `fc`."""

    def __init__(self, num_classes, feat_dim=2048):
        super().__init__()
        self.fc = nn.Linear(feat_dim, num_classes)

    def forward(self, x):
        return self.fc(x)


class TorchvisionResNet50(ImageNetResNetFeature):
    """torchvision layout (`downsample`, `fc`): imagenet_inat's ResNetFeature.py with its classifier folded
    in, and MoCo's encoder (moco/builder.py) when `moco_mlp` replaces fc by Linear-ReLU-Linear."""

    def __init__(self, num_classes, moco_mlp=False):
        super().__init__()
        self.fc = (nn.Sequential(nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, num_classes))
                   if moco_mlp else nn.Linear(2048, num_classes))

    def forward(self, x):
        return self.fc(super().forward(x))


class IssResNet50(ImageNetResNetFeature):
    """imbalanced-semi-self `models/resnet.py` layout (`shortcut`, `linear`), PyTorch default init."""

    def __init__(self, num_classes):
        super().__init__(shortcut_name="shortcut", fan_out_init=False)
        self.linear = nn.Linear(2048, num_classes)

    def forward(self, x):
        return self.linear(super().forward(x))


def state_dict_layout(model):
    """[[key, shape], ...] in state_dict order."""
    return [[k, list(v.shape)] for k, v in model.state_dict().items()]


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def load_saved_state(model, path):
    """Loads a state dict written by TailKit's `Torch.save`, strictly."""
    model.load_state_dict(torch.load(path, weights_only=True), strict=True)


def load_raw_state(model, directory):
    """Loads TailKit tensors written as raw bytes, `<i>.bin` for the i-th state-dict entry (the caller
    has checked that both state dicts have the same keys and shapes). Much faster than a zip file
    written by a debug build for ResNet-sized models."""
    state = {}
    for i, (key, ref) in enumerate(model.state_dict().items()):
        with open(f"{directory}/{i}.bin", "rb") as f:
            data = bytearray(f.read())
        if len(data) != ref.numel() * ref.element_size():
            raise ValueError(f"{key}: {len(data)} bytes, expected {ref.numel() * ref.element_size()}")
        state[key] = torch.frombuffer(data, dtype=ref.dtype).reshape(ref.shape)
    model.load_state_dict(state, strict=True)


def eval_logits(model, x_path):
    """Eval-mode outputs on the tensor `x` of a `Torch.save` file, flattened."""
    model.eval()
    x = torch.load(x_path, weights_only=True)["x"]
    with torch.no_grad():
        return model(x).flatten().tolist()


if __name__ == "__main__":
    models = {
        "records_resnet18_c10": RecordsResNet18(10),
        "records_resnet18_c100": RecordsResNet18(100),
        "daso_wrn28_2_c10": DasoSemiModel(10),
        "daso_wrn28_2_c10_rot_abc": DasoSemiModel(10, rotation_head=True, abc=True),
        "resnet50_tv_c1000": TorchvisionResNet50(1000),
        "resnet50_tv_c8142": TorchvisionResNet50(8142),
        "resnet50_iss_c4": IssResNet50(4),
        "resnet50_feature": ImageNetResNetFeature(),
        "resnet50_moco_128": TorchvisionResNet50(128, moco_mlp=True),
    }
    print(json.dumps({k: parameter_count(m) for k, m in models.items()}, indent=1))
