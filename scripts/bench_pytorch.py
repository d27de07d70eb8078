"""Python PyTorch side of `tailkit bench`: the same network, batch, dtype and thread count as
TailKit's case, measured the same way. Prints one JSON object on stdout."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlockA(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.down = stride != 1 or in_planes != planes
        self.pad = planes // 4

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        short = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad)) if self.down else x
        return F.relu(out + short)


class ResNet32(nn.Module):
    """The reference's resnet32 (option-A shortcuts), as in TailKit's ResNetCIFAR."""

    def __init__(self, num_classes=10, in_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, in_planes = [], 16
        for i, planes in enumerate([16, 32, 64]):
            blocks = []
            for b in range(5):
                blocks.append(BasicBlockA(in_planes, planes, 2 if (i > 0 and b == 0) else 1))
                in_planes = planes
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.linear = nn.Linear(64, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size(3)).flatten(1)
        return self.linear(out)


def train_step_rate(batch, steps, warmup, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ResNet32()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


class PadCropFlipDataset(torch.utils.data.Dataset):
    """uint8 HWC images -> RandomCrop(32, padding=4) + RandomHorizontalFlip + ToTensor + Normalize, the
    torchvision CIFAR recipe written with numpy (torchvision's PyPI wheel needs CUDA torch libraries)."""

    MEAN = [0.4914, 0.4822, 0.4465]
    STD = [0.2023, 0.1994, 0.2010]

    def __init__(self, images, labels):
        import numpy as np
        self.np = np
        self.images, self.labels = images, labels
        self.mean = np.array(self.MEAN, dtype=np.float32).reshape(3, 1, 1)
        self.std = np.array(self.STD, dtype=np.float32).reshape(3, 1, 1)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        np = self.np
        padded = np.pad(self.images[i], ((4, 4), (4, 4), (0, 0)))
        y, x = np.random.randint(0, 9, size=2)
        crop = padded[y:y + 32, x:x + 32]
        if np.random.rand() < 0.5:
            crop = crop[:, ::-1]
        chw = crop.transpose(2, 0, 1).astype(np.float32) / 255.0
        return torch.from_numpy((chw - self.mean) / self.std), int(self.labels[i])


def train_epoch_with_loader_rate(batch, images, workers, threads):
    import numpy as np
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, size=(images, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=images)
    loader = torch.utils.data.DataLoader(PadCropFlipDataset(data, labels), batch_size=batch, shuffle=True,
                                         num_workers=workers, persistent_workers=workers > 0)
    model = ResNet32()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)

    def epoch():
        seen = 0
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            seen += len(y)
        return seen

    epoch()  # warm-up: workers start, allocator settles
    start = time.perf_counter()
    seen = epoch()
    return seen / (time.perf_counter() - start)


if __name__ == "__main__":
    case, batch, steps, warmup, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    if case == "resnet32_train_step":
        rate = train_step_rate(batch, steps, warmup, threads)
    elif case == "resnet32_epoch_with_loader":
        # here `steps` is the image count and `warmup` the loader worker count
        rate = train_epoch_with_loader_rate(batch, steps, warmup, threads)
    else:
        sys.exit(f"unknown case {case}")
    print(json.dumps({"images_per_s": rate, "torch": torch.__version__, "threads": torch.get_num_threads()}))
