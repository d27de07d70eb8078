"""Python side of `tailkit bench`'s 224-px image-loader case: torchvision's ImageFolder-style pipeline
as imbalanced-semi-self's imagenet_inat/data/dataloader.py builds it for ImageNet-LT training:
PIL open + convert("RGB") -> RandomResizedCrop(224, scale=(0.08, 1), ratio=(3/4, 4/3)) ->
RandomHorizontalFlip -> ColorJitter(0.4, 0.4, 0.4, 0) -> ToTensor -> Normalize(ImageNet mean/std), in a
torch.utils.data.DataLoader with K worker processes and batch B (DataLoader defaults otherwise).
torchvision cannot be imported here (its wheel links CUDA libraries this CPU torch lacks), so the
transforms are written with Pillow, random, math and torch exactly as torchvision 0.2x defines them.

Also writes the JPEG set both sides read:  bench_image_loader.py make FOLDER COUNT
Measures one epoch:                       bench_image_loader.py run LIST ROOT --batch B --workers K
Prints one JSON object: images_per_s, peak_rss_mb (main process + workers, summed, sampled at every
batch), images.
"""
import json
import math
import os
import random
import sys
import time

import torch
from PIL import Image, ImageEnhance

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def random_resized_crop_params(w, h, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    area = h * w
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * random.uniform(*scale)
        aspect = math.exp(random.uniform(*log_ratio))
        cw = int(round(math.sqrt(target * aspect)))
        ch = int(round(math.sqrt(target / aspect)))
        if 0 < cw <= w and 0 < ch <= h:
            return random.randint(0, h - ch), random.randint(0, w - cw), ch, cw
    in_ratio = w / h
    if in_ratio < min(ratio):
        cw, ch = w, int(round(w / min(ratio)))
    elif in_ratio > max(ratio):
        ch, cw = h, int(round(h * max(ratio)))
    else:
        cw, ch = w, h
    return (h - ch) // 2, (w - cw) // 2, ch, cw


def transform(im):
    top, left, ch, cw = random_resized_crop_params(*im.size)
    im = im.crop((left, top, left + cw, top + ch)).resize((224, 224), Image.BILINEAR)
    if random.random() < 0.5:
        im = im.transpose(Image.FLIP_LEFT_RIGHT)
    ops = [lambda i, f: ImageEnhance.Brightness(i).enhance(f), lambda i, f: ImageEnhance.Contrast(i).enhance(f),
           lambda i, f: ImageEnhance.Color(i).enhance(f)]
    factors = [random.uniform(0.6, 1.4) for _ in ops]
    for k in torch.randperm(3).tolist():
        im = ops[k](im, factors[k])
    x = torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).view(224, 224, 3).permute(2, 0, 1).float().div(255)
    return (x - MEAN) / STD


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, list_file, root):
        self.items = []
        for line in open(list_file):
            if line.strip():
                path, label = line.rsplit(None, 1)
                self.items.append((os.path.join(root, path), int(label)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        with open(path, "rb") as f:
            im = Image.open(f).convert("RGB")
        return transform(im), label


def rss_mb(pid):
    total = 0
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def make(folder, count):
    rng = random.Random(0)
    base = Image.merge("RGB", (Image.linear_gradient("L"), Image.radial_gradient("L"), Image.effect_noise((256, 256), 60)))
    lines = []
    for i in range(count):
        # ImageNet-like sizes: most around 500x375, both orientations.
        w, h = rng.randint(300, 640), rng.randint(240, 500)
        rel = f"train/c{i % 100:03d}/{i:06d}.JPEG"
        os.makedirs(os.path.join(folder, os.path.dirname(rel)), exist_ok=True)
        base.rotate(rng.random() * 360).resize((w, h)).save(os.path.join(folder, rel), quality=90)
        lines.append(f"{rel} {i % 100}")
    with open(os.path.join(folder, "list.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def run(list_file, root, batch, workers):
    torch.set_num_threads(1)
    data = ListDataset(list_file, root)
    loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, num_workers=workers)
    peak, seen = rss_mb(os.getpid()), 0
    start = time.perf_counter()
    for x, _ in loader:
        seen += x.shape[0]
        peak = max(peak, rss_mb(os.getpid()))
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_s": seen / seconds, "peak_rss_mb": peak, "images": seen}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        args = sys.argv[2:]
        opts = dict(zip(args[2::2], args[3::2]))
        run(args[0], args[1], int(opts["--batch"]), int(opts["--workers"]))
