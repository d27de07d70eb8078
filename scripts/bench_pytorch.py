"""Python PyTorch side of `tailkit bench`: the same network, batch, dtype, thread count and data as
TailKit's case, measured the same way, in one of two set-ups. Prints one JSON object on stdout.

  reference  PyTorch as the reference codebases' users run it: the default contiguous layout, glibc's
             default malloc, and for the epoch case torchvision's CIFAR recipe on PIL images
             (RandomCrop(32, padding=4) -> RandomHorizontalFlip -> ToTensor -> Normalize) in a
             torch.utils.data.DataLoader with worker processes (DataLoader defaults otherwise).
  tuned      PyTorch tuned the way TailKit is: channels_last model and inputs, the malloc settings
             TailKit makes (`tailkit bench` passes them as MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_,
             which glibc reads at start-up, with OMP/MKL_NUM_THREADS), and for the epoch case uint8
             augmentation done a batch at a time in numpy in the DataLoader's workers (persistent),
             producing channels_last batches directly.

torchvision cannot be imported here (its PyPI wheel links CUDA libraries this CPU torch lacks), so the
reference transforms are written below with Pillow + numpy + torch exactly as torchvision defines them.

  pll_step   one CORR + RECORDS step of RECORDS-LTPLL's train.py loop: ResNet-18 (its ResNet_s: CIFAR stem,
             BasicBlocks [2,2,2,2], 512-d features, Linear fc) on the weak and strong views concatenated, the
             loss of utils_loss.CORR_loss_RECORDS with its feature-mean and confidence updates, backward, SGD.

usage: bench_pytorch.py {train_step,epoch_with_loader,pll_step} {reference,tuned} --batch B --threads T
                        [--steps S --warmup W] [--images N --workers K]
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# The reference codebase's CIFAR normalisation (TailKit's ImageNormalization.issCIFAR).
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2023, 0.1994, 0.2010)
MALLOC_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


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


def make_model(tuned):
    torch.manual_seed(0)
    model = ResNet32()
    if tuned:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)
    return model, opt


def train_step_rate(tuned, batch, steps, warmup, precision="fp32"):
    model, opt = make_model(tuned)
    x = torch.randn(batch, 3, 32, 32)
    if tuned:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        # bf16: the forward pass and loss under autocast, as torch's CPU mixed-precision recipe.
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


# --- partial-label step: RECORDS-LTPLL's train.py loop with CORR + RECORDS ------------------------------

class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18Features(nn.Module):
    """The CIFAR ResNet-18 of RECORDS' models/resnet.py: forward gives (logits, 512-d feature)."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers, in_planes = [], 64
        for planes, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [BasicBlock(in_planes, planes, stride), BasicBlock(planes, planes, 1)]
            in_planes = planes
        self.layers = nn.Sequential(*layers)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        feat = F.adaptive_avg_pool2d(self.layers(F.relu(self.bn1(self.conv1(x)))), 1).flatten(1)
        return self.fc(feat), feat


def pll_step_rate(tuned, batch, steps, warmup, classes=10, m=0.9):
    torch.manual_seed(0)
    model = ResNet18Features(classes)
    if tuned:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-3)
    n = 4 * batch
    given = (torch.rand(n, classes) < 0.3).float()
    given[torch.arange(n), torch.arange(n) % classes] = 1
    init_confidence = given / given.sum(1, keepdim=True)
    confidence = init_confidence.clone()
    torch.manual_seed(1)
    x_w, x_s = torch.randn(batch, 3, 32, 32), torch.randn(batch, 3, 32, 32)
    state = {"feat_mean": None}

    def step(i):
        index = (torch.arange(batch) + i * batch) % n
        x = torch.cat((x_w, x_s), 0)
        if tuned:
            x = x.contiguous(memory_format=torch.channels_last)
        logits, feat = model(x)
        out_w, out_s = torch.split(logits, batch, 0)
        feat_w, feat_s = torch.split(feat, batch, 0)
        pred_w, pred_s = F.softmax(out_w, 1), F.softmax(out_s, 1)
        target = confidence[index, :]
        neg = (target == 0).float()
        sup = (neg * (-torch.log(abs(1 - pred_w) + 1e-9) - torch.log(abs(1 - pred_s) + 1e-9))).sum() / batch
        con = (F.kl_div(torch.log_softmax(out_w, 1), target, reduction="batchmean")
               + F.kl_div(torch.log_softmax(out_s, 1), target, reduction="batchmean"))
        loss = sup + con
        g = ((feat_w + feat_s) / 2).detach().mean(0)
        state["feat_mean"] = (1 - m) * g if state["feat_mean"] is None else m * state["feat_mean"] + (1 - m) * g
        with torch.no_grad():
            bias = F.softmax(model.fc(state["feat_mean"].unsqueeze(0)), 1)
            q_w = F.softmax(out_w - torch.log(bias + 1e-9), 1)
            q_s = F.softmax(out_s - torch.log(bias + 1e-9), 1)
            mask = (init_confidence[index, :] > 0).float()
            r = (mask * q_s) * (mask * q_w)
            r = r / (r.sum(1, keepdim=True) + 1e-9)
            r = torch.sqrt(r)
            confidence[index, :] = r / (r.sum(1, keepdim=True) + 1e-9)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for i in range(warmup):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        step(warmup + i)
    return batch * steps / (time.perf_counter() - start)


# --- FixMatch iteration: DASO's WRN-28-2 and the loop of ytaek-oh/daso lib/algorithm/fixmatch.py ---------

class WideBlock(nn.Module):
    """Pre-activation residual block of WRN-28-w with LeakyReLU(0.1) (DASO lib/models/wrn.py)."""

    def __init__(self, cin, cout, stride, activate_before_residual=False):
        super().__init__()
        self.activate_before_residual = activate_before_residual
        self.pre_act = nn.Sequential(nn.BatchNorm2d(cin), nn.LeakyReLU(0.1))
        self.layer = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1),
                                   nn.Conv2d(cout, cout, 3, 1, 1, bias=False))
        self.identity = nn.Conv2d(cin, cout, 1, stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        a = self.pre_act(x)
        shortcut = a if self.activate_before_residual else x
        if self.identity is not None:
            shortcut = self.identity(shortcut)
        return shortcut + self.layer(a)


class WRN28(nn.Module):
    def __init__(self, num_classes=10, width=2):
        super().__init__()
        c = [16, 16 * width, 32 * width, 64 * width]
        self.init_conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        units = []
        for u in range(3):
            blocks = [WideBlock(c[u], c[u + 1], 1 if u == 0 else 2, activate_before_residual=(u == 0))]
            blocks += [WideBlock(c[u + 1], c[u + 1], 1) for _ in range(3)]
            units.append(nn.Sequential(*blocks))
        self.units = nn.Sequential(*units)
        self.unit4 = nn.Sequential(nn.BatchNorm2d(c[3]), nn.LeakyReLU(0.1), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(c[3], num_classes)

    def forward(self, x):
        return self.classifier(self.unit4(self.units(self.init_conv(x))).flatten(1))


def fixmatch_step_rate(tuned, batch, mu, steps, warmup, threshold=0.95, ema_decay=0.999):
    """One FixMatch iteration as DASO's FixMatch.run_step: a forward pass over [x_l; u_w; u_s], CE on the
    labeled logits, pseudo-labels from the weak view's softmax above the threshold, the masked CE of the
    strong view over all muB images, SGD (Nesterov, wd 5e-4) and the EMA update of parameters and buffers.
    Rate: labeled images per second (each step also takes 2 x mu x batch unlabeled views)."""
    torch.manual_seed(0)
    model = WRN28()
    if tuned:
        model = model.to(memory_format=torch.channels_last)
    ema = WRN28()
    ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9, weight_decay=5e-4, nesterov=True)
    torch.manual_seed(1)
    u = int(batch * mu)
    x_l, u_w, u_s = torch.randn(batch, 3, 32, 32), torch.randn(u, 3, 32, 32), torch.randn(u, 3, 32, 32)
    labels = torch.arange(batch) % 10

    def step(t):
        x = torch.cat([x_l, u_w, u_s], 0)
        if tuned:
            x = x.contiguous(memory_format=torch.channels_last)
        logits = model(x)
        loss_cls = F.cross_entropy(logits[:batch], labels)
        logits_weak, logits_strong = logits[batch:].chunk(2)
        p = logits_weak.detach().softmax(dim=1)
        confidence, pred = torch.max(p, dim=1)
        mask = confidence.ge(threshold).float()
        loss_cons = (F.cross_entropy(logits_strong, pred, reduction="none") * mask).sum() / u
        opt.zero_grad()
        (loss_cls + loss_cons).backward()
        opt.step()
        d = min(1 - 1 / (t + 1), ema_decay)
        with torch.no_grad():
            for e, q in zip(ema.parameters(), model.parameters()):
                e.mul_(d).add_(q, alpha=1 - d)
            for e, q in zip(ema.buffers(), model.buffers()):
                if e.dtype.is_floating_point:
                    e.mul_(d).add_(q, alpha=1 - d)
                else:
                    e.copy_(q)

    for i in range(warmup):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        step(warmup + i)
    return batch * steps / (time.perf_counter() - start)


# --- (a) torchvision's CIFAR recipe on PIL images, as torchvision defines each transform ---------------

class TorchvisionStyleCIFAR(torch.utils.data.Dataset):
    """torchvision.datasets.CIFAR10's __getitem__ (uint8 HWC array -> PIL image -> transform) with
    Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(), Normalize(mean, std)])."""

    def __init__(self, images, labels):
        self.data, self.targets = images, labels

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        from PIL import Image
        img, target = self.data[index], int(self.targets[index])
        img = Image.fromarray(img)
        img = self.random_crop(img, 32, 4)
        img = self.random_horizontal_flip(img, 0.5)
        return self.normalize(self.to_tensor(img), CIFAR_MEAN, CIFAR_STD), target

    @staticmethod
    def random_crop(img, size, padding):
        # torchvision F.pad(img, padding, fill=0, padding_mode="constant") on a PIL image is
        # ImageOps.expand(img, border=padding, fill=(0,) * bands); RandomCrop.get_params draws the
        # offsets with torch.randint; F.crop is img.crop((left, top, right, bottom)).
        from PIL import ImageOps
        img = ImageOps.expand(img, border=padding, fill=(0,) * len(img.getbands()))
        w, h = img.size
        i = torch.randint(0, h - size + 1, size=(1,)).item()
        j = torch.randint(0, w - size + 1, size=(1,)).item()
        return img.crop((j, i, j + size, i + size))

    @staticmethod
    def random_horizontal_flip(img, p):
        from PIL import Image
        if torch.rand(1) < p:
            return img.transpose(Image.FLIP_LEFT_RIGHT)
        return img

    @staticmethod
    def to_tensor(pic):
        # torchvision F.to_tensor for an 8-bit PIL image: HWC uint8 -> CHW float in [0, 1].
        import numpy as np
        img = torch.from_numpy(np.array(pic, np.uint8, copy=True))
        img = img.view(pic.size[1], pic.size[0], len(pic.getbands()))
        img = img.permute((2, 0, 1)).contiguous()
        return img.to(dtype=torch.get_default_dtype()).div(255)

    @staticmethod
    def normalize(tensor, mean, std):
        # torchvision F.normalize with inplace=False.
        tensor = tensor.clone()
        mean = torch.as_tensor(mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.as_tensor(std, dtype=tensor.dtype).view(-1, 1, 1)
        return tensor.sub_(mean).div_(std)


# --- (b) uint8 augmentation a batch at a time, channels_last out ----------------------------------------

class BatchedPadCropFlip(torch.utils.data.Dataset):
    """Indexed by a list of sample indices (a BatchSampler's batch): zero-pad 4 + random 32x32 crop +
    horizontal flip (p 0.5) on uint8 NHWC, then normalise into float32 NHWC, which viewed as NCHW is a
    channels_last tensor, so no layout copy is needed."""

    def __init__(self, images, labels):
        import numpy as np
        self.np = np
        self.images, self.labels = images, labels
        self.scale = (1.0 / (255.0 * np.array(CIFAR_STD))).astype(np.float32)
        self.shift = (-np.array(CIFAR_MEAN) / np.array(CIFAR_STD)).astype(np.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, indices):
        np = self.np
        n = len(indices)
        padded = np.zeros((n, 40, 40, 3), dtype=np.uint8)
        padded[:, 4:36, 4:36] = self.images[indices]
        rng = np.random.default_rng(torch.randint(0, 2**62, (1,)).item())
        offsets = rng.integers(0, 9, size=(n, 2))
        flips = rng.random(n) < 0.5
        out = np.empty((n, 32, 32, 3), dtype=np.float32)
        for k in range(n):
            y, x = offsets[k]
            crop = padded[k, y:y + 32, x:x + 32]
            out[k] = crop[:, ::-1] if flips[k] else crop
        out *= self.scale
        out += self.shift
        x = torch.from_numpy(out).permute(0, 3, 1, 2)  # NCHW, channels_last strides
        return x, torch.from_numpy(self.labels[indices].astype(np.int64))


def train_epoch_with_loader_rate(tuned, batch, images, workers):
    import numpy as np
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, size=(images, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=images)
    g = torch.Generator()
    g.manual_seed(0)
    if tuned:
        sampler = torch.utils.data.BatchSampler(torch.utils.data.RandomSampler(range(images), generator=g),
                                                batch_size=batch, drop_last=False)
        loader = torch.utils.data.DataLoader(BatchedPadCropFlip(data, labels), batch_size=None, sampler=sampler,
                                             num_workers=workers, persistent_workers=workers > 0)
    else:
        # The reference's train loader (on a CPU-only machine pin_memory does nothing, so it is left out).
        loader = torch.utils.data.DataLoader(TorchvisionStyleCIFAR(data, labels), batch_size=batch, shuffle=True,
                                             num_workers=workers, generator=g)
    model, opt = make_model(tuned)

    def epoch():
        seen = 0
        for x, y in loader:
            if tuned:
                x = x.contiguous(memory_format=torch.channels_last)  # a no-op: already channels_last
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            seen += len(y)
        return seen

    epoch()  # warm-up: as TailKit's side, one epoch untimed
    start = time.perf_counter()
    seen = epoch()
    return seen / (time.perf_counter() - start)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=["train_step", "epoch_with_loader", "pll_step", "fixmatch_step"])
    p.add_argument("variant", choices=["reference", "tuned"])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--images", type=int, default=2560)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--mu", type=float, default=7)
    a = p.parse_args()
    tuned = a.variant == "tuned"
    torch.set_num_threads(a.threads)
    if a.case == "train_step":
        rate = train_step_rate(tuned, a.batch, a.steps, a.warmup, a.precision)
    elif a.case == "pll_step":
        rate = pll_step_rate(tuned, a.batch, a.steps, a.warmup)
    elif a.case == "fixmatch_step":
        rate = fixmatch_step_rate(tuned, a.batch, a.mu, a.steps, a.warmup)
    else:
        rate = train_epoch_with_loader_rate(tuned, a.batch, a.images, a.workers)
    malloc = {k: os.environ[k] for k in MALLOC_ENV if k in os.environ}
    print(json.dumps({
        "images_per_s": rate, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "layout": "channels_last" if tuned else "contiguous (default)",
        "allocator": ", ".join(f"{k}={v}" for k, v in malloc.items()) or "glibc default",
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""),
    }))
