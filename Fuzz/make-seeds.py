"""Writes the seed corpora of the fuzz targets, Fuzz/corpus/<reader>/seed-*: small valid files made
by the real tools (pickle, numpy, torch.save, tarfile, gzip, zlib, scipy.io.savemat, Pillow), so
fuzzing starts from inputs every reader accepts. Run as the tests run Python:

    PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps python3 -s -S Fuzz/make-seeds.py
"""
import gzip
import io
import os
import pickle
import struct
import tarfile
import zlib

import numpy as np
import scipy.io
import torch
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(reader, name, data):
    folder = os.path.join(ROOT, reader)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def torch_bytes(obj, legacy=False):
    buffer = io.BytesIO()
    torch.save(obj, buffer, _use_new_zipfile_serialization=not legacy)
    return buffer.getvalue()


def idx(array, labels):
    dims = array.shape
    code = 3 if labels is False else 1
    return struct.pack(">BBBB", 0, 0, 8, len(dims) if labels is False else 1) + b"".join(
        struct.pack(">I", d) for d in dims) + array.astype(np.uint8).tobytes()


def tar_bytes(files, fmt=tarfile.USTAR_FORMAT):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def mat_bytes(variables, compress):
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, variables, do_compression=compress)
    return buffer.getvalue()


def image_bytes(fmt, size, mode, **options):
    rng = np.random.default_rng(size[0] * 31 + size[1])
    channels = {"RGB": 3, "L": 1, "RGBA": 4, "CMYK": 3}[mode]
    pixels = rng.integers(0, 256, size=(size[1], size[0], channels), dtype=np.uint8)
    image = Image.fromarray(pixels[:, :, 0] if channels == 1 else pixels)
    if mode == "CMYK":
        image = image.convert("CMYK")
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def main():
    rng = np.random.default_rng(0)
    labels10 = rng.integers(0, 10, size=6).astype(np.int64)

    # pickle: every protocol, the value kinds the readers meet.
    value = {"a": [1, 2.5, None, True, "text", b"bytes", (1, 2)], "big": 2 ** 70, "neg": -3, "nested": {"x": {1, 2}}}
    for protocol in range(0, 6):
        write("pickle", f"dict-p{protocol}", pickle.dumps(value, protocol=protocol))
    write("pickle", "numpy-p2", pickle.dumps(np.arange(6, dtype=np.int16).reshape(2, 3), protocol=2))
    write("pickle", "numpy-p4", pickle.dumps(np.linspace(0, 1, 5, dtype=np.float32), protocol=4))
    write("pickle", "shared-memo", pickle.dumps([value["a"]] * 3, protocol=2))

    # torchfile: zip archives (torch >= 1.6) and legacy files.
    state = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.tensor([1, 2], dtype=torch.int64)}
    write("torchfile", "state-zip", torch_bytes(state))
    write("torchfile", "state-legacy", torch_bytes(state, legacy=True))
    base = torch.arange(8, dtype=torch.float64)
    write("torchfile", "views-zip", torch_bytes({"state_dict": {"v": base[2:6], "t": base.reshape(2, 4).t()}, "epoch": 3}))
    write("torchfile", "views-legacy", torch_bytes({"v": base[1:5], "h": torch.ones(3, dtype=torch.float16)}, legacy=True))

    # idx: images and labels, plain and gzipped.
    images = rng.integers(0, 256, size=(3, 4, 4))
    write("idx", "images", idx(images, False))
    write("idx", "labels", idx(np.array([1, 2, 3]), True))
    write("idx", "images-gz", gzip.compress(idx(images, False), mtime=0))

    # gzip: members, multi-member, and a raw zlib stream.
    text = b"TailKit " * 64
    write("gzip", "member", gzip.compress(text, mtime=0))
    write("gzip", "two-members", gzip.compress(text[:100], mtime=0) + gzip.compress(text[100:], mtime=0))
    write("gzip", "zlib", zlib.compress(text))

    # tar: ustar, GNU long names, pax, gzipped.
    files = [("cifar-10-batches-bin/batches.meta.txt", b"airplane\nautomobile\n"), ("a/b.bin", bytes(range(40)))]
    write("tar", "ustar", tar_bytes(files))
    write("tar", "gnu-long", tar_bytes([("d/" + "n" * 120, b"long")], tarfile.GNU_FORMAT))
    write("tar", "pax", tar_bytes([("p/" + "x" * 120, b"pax")], tarfile.PAX_FORMAT))
    write("tar", "gz", gzip.compress(tar_bytes(files), mtime=0))

    # mat: numeric classes, complex, plain and compressed.
    variables = {"d": np.arange(6.0).reshape(2, 3), "u": np.arange(4, dtype=np.uint8), "i": np.array([[-1, 2]], dtype=np.int32),
                 "c": np.array([1 + 2j, 3 - 1j]), "s": "text"}
    write("mat", "v5", mat_bytes(variables, False))
    write("mat", "v5-compressed", mat_bytes(variables, True))

    # svhn: X [32, 32, 3, N] uint8, y [N, 1] labels 1...10.
    x = rng.integers(0, 256, size=(32, 32, 3, 1), dtype=np.uint8)
    write("svhn", "one-image", mat_bytes({"X": x, "y": np.array([[10]], dtype=np.uint8)}, False))
    write("svhn", "two-compressed", mat_bytes({"X": np.concatenate([x, x], axis=3), "y": np.array([[1], [5]], dtype=np.double)}, True))

    # cifar-binary: first byte picks CIFAR-10 (0) or CIFAR-100 (1); one record each.
    record = rng.integers(0, 256, size=3072, dtype=np.uint8).tobytes()
    write("cifar-binary", "cifar10", b"\x00" + bytes([7]) + record)
    write("cifar-binary", "cifar100", b"\x01" + bytes([3, 42]) + record)

    # cifar-pickle: a batch and the meta files (one input stands for every file).
    data = rng.integers(0, 256, size=(2, 3072), dtype=np.uint8)
    write("cifar-pickle", "batch", pickle.dumps({b"batch_label": b"b", b"labels": [1, 9], b"data": data}, protocol=2))
    write("cifar-pickle", "cifar100-train", pickle.dumps({"fine_labels": [5, 99], "coarse_labels": [1, 19], "data": data}, protocol=4))
    write("cifar-pickle", "meta", pickle.dumps({"label_names": [f"c{i}" for i in range(10)], "fine_label_names": [f"f{i}" for i in range(100)],
                                                "coarse_label_names": [f"g{i}" for i in range(20)]}, protocol=2))

    # stl10: first byte n, then n label bytes (1...10), then the images.
    write("stl10", "one-labelled", bytes([1, 4]) + rng.integers(0, 256, size=27648, dtype=np.uint8).tobytes())
    write("stl10", "unlabeled-empty", bytes([0]))

    # imagelist: `<path> <label>` lines.
    write("imagelist", "imagenet-lt", b"train/n01440764/a.JPEG 0\ntrain/n01443537/b.JPEG 1\r\n\nval/c d.JPEG\t999\n")

    # jpeg and png: the layouts the decoders convert.
    write("jpeg", "rgb", image_bytes("JPEG", (9, 7), "RGB", quality=80))
    write("jpeg", "gray", image_bytes("JPEG", (8, 8), "L"))
    write("jpeg", "progressive", image_bytes("JPEG", (17, 9), "RGB", progressive=True))
    write("jpeg", "cmyk", image_bytes("JPEG", (5, 5), "CMYK"))
    write("png", "rgb", image_bytes("PNG", (9, 7), "RGB"))
    write("png", "gray", image_bytes("PNG", (6, 5), "L"))
    write("png", "rgba-interlaced", image_bytes("PNG", (7, 7), "RGBA", interlace=1))
    palette = Image.fromarray(rng.integers(0, 4, size=(5, 6), dtype=np.uint8), "P")
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    buffer = io.BytesIO()
    palette.save(buffer, "PNG")
    write("png", "palette", buffer.getvalue())

    # pseudolabel and unlabeledpool: what imbalanced-semi-self writes.
    write("pseudolabel", "targets", pickle.dumps({"extrapolated_targets": labels10, "prediction_model": "resnet"}, protocol=4))
    write("pseudolabel", "with-truth", pickle.dumps({"extrapolated_targets": labels10.tolist(), "ground_truth": labels10}, protocol=2))
    pool = rng.integers(0, 256, size=(2, 4, 4, 3), dtype=np.uint8)
    write("unlabeledpool", "pool", pickle.dumps({"data": pool, "extrapolated_targets": np.array([1, 2])}, protocol=4))

    # yaml: --config files.
    write("yaml", "ldam", b"dataset: cifar10\nloss: ldam\nrule: drw\nimb-factor: 0.01\nepochs: 200\nlr: 0.1\n")
    write("yaml", "moco", b"task: moco\ndataset: cifar100\nqueue-size: 4096\nmoco-t: 0.2\nbn-splits: 4\naugment: moco\n")
    write("yaml", "semi", b"unlabeled: remainder\npseudo-labels: \"/tmp/p l.pkl\"\nhold-out: 0.5\nseed: 3\nschedule: cosine\n")

    regressions()


def regressions():
    """Inputs that crashed a reader before it was fixed, kept as crash-* in the corpus so every fuzz
    run (and `make test`'s smoke run) replays them."""
    # torchfile: a tensor of size [2^40, 2^40] over 8 bytes of storage overflowed the element count.
    class Storage:
        pass

    storage = Storage()

    class Rebuild:
        def __reduce__(self):
            from collections import OrderedDict
            return (torch._utils._rebuild_tensor_v2, (storage, 0, (2 ** 40, 2 ** 40), (1, 1), False, OrderedDict()))

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", torch.FloatStorage, "0", "cpu", 2) if obj is storage else None

    data = io.BytesIO()
    Pickler(data, protocol=2).dump({"w": Rebuild()})
    archive = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", data.getvalue())
        z.writestr("archive/data/0", bytes(8))
    write_crash("torchfile", "shape-overflow", archive.getvalue())

    # tar: a pax record "2 " (length reaching just past its space) sliced a range backwards.
    write_crash("tar", "pax-short-record", tar_raw("PaxHeaders/x", b"x", b"2 ") + tar_raw("a", b"0", b"1") + bytes(1024))

    # imagelist: the label Int.max overflowed `max + 1` when inferring the class count.
    write_crash("imagelist", "label-int-max", b"a.jpg 1\nb.jpg 9223372036854775807\n")

    # unlabeledpool: no images but sides of 2^40 overflowed height x width x channels.
    # numpy refuses to build such an array, so the sides 7 and 9 of an empty one are patched to 2^40.
    pool = pickle.dumps({"data": np.zeros((0, 7, 9, 3), dtype=np.uint8),
                         "extrapolated_targets": np.zeros(0, dtype=np.int64)}, protocol=2)
    side = b"\x8a\x06" + (2 ** 40).to_bytes(6, "little")
    assert pool.count(b"K\x07K\tK\x03") == 1
    write_crash("unlabeledpool", "huge-empty-dims", pool.replace(b"K\x07K\tK\x03", side + side + b"K\x03"))


def write_crash(reader, name, data):
    folder = os.path.join(ROOT, reader)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "crash-" + name), "wb") as f:
        f.write(data)


def tar_raw(name, kind, data):
    """One tar header block (with a correct checksum) and its padded data."""
    header = bytearray(512)
    header[0:len(name)] = name.encode()
    header[100:108] = b"0000644\0"
    header[124:136] = b"%011o\0" % len(data)
    header[156:157] = kind
    header[257:265] = b"ustar\x0000"
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header) + data + bytes((512 - len(data) % 512) % 512)


if __name__ == "__main__":
    main()
