"""Reference numbers for TailKit's STL-10 and DARP-estimate tests (Tests/TailKitTests/SSLDataProtocolTests.swift).

1. A deterministic 96x96 RGB image resized to 32x32 with PIL's bilinear filter, as DASO's
   `transforms.Resize((32, 32))` does for STL-10 (`DATASET.RESOLUTION` 32): printed as hex.
2. DARP estimate files as `numpy.save` writes them (DASO's darp_estim/*.npyz are such files):
   the spec's cifar10_l_1500_100_ul_3000_100_rev values in float32 and float64, and bad files
   (int64 dtype, 2-D shape, 9 values, a negative value, a NaN), printed as hex.

Usage: PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps python3 -s -S scripts/parity/daso_stl10_inputs.py [DASO checkout]
With a DASO checkout, also prints the shipped estimate it names, read with np.load, for comparison.
"""
import io
import os
import sys

import numpy as np
from PIL import Image

h = np.arange(96).reshape(96, 1, 1)
w = np.arange(96).reshape(1, 96, 1)
c = np.arange(3).reshape(1, 1, 3)
image = ((h * 7 + w * 13 + c * 29 + (h * w) % 17) % 256).astype(np.uint8)
small = np.asarray(Image.fromarray(image).resize((32, 32), Image.BILINEAR))
print("resize96to32", small.tobytes().hex())

rev = [929.7, 516.5, 155.4, 283.1, 336.4, 263.7, 486.8, 1142.6, 1464.6, 1845.0]


def saved(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue().hex()


print("f32", saved(np.array(rev, dtype=np.float32)))
print("f64", saved(np.array(rev, dtype=np.float64)))
print("i64", saved(np.array([1, 2, 3], dtype=np.int64)))
print("twod", saved(np.ones((2, 5), dtype=np.float64)))
print("nine", saved(np.array(rev[:9], dtype=np.float64)))
print("negative", saved(np.array([-1.0] + rev[1:], dtype=np.float64)))
print("nan", saved(np.array([float("nan")] + rev[1:], dtype=np.float32)))
# The reference's scaling (lib/algorithm/darp_reproduce.py) to a 7443-image unlabeled set, float32 file.
est = np.array(rev, dtype=np.float32)
print("scaled7443", " ".join(repr(float(x)) for x in 7443 * est / np.sum(est)))
if len(sys.argv) > 1:
    path = os.path.join(sys.argv[1], "darp_estim", "stl10_l_450_10_ul_-1_-1_estim.npyz")
    if os.path.exists(path):
        shipped = np.load(path)
        print("shipped", shipped.dtype, " ".join(repr(float(x)) for x in shipped))
        print("shipped_scaled100000", " ".join(repr(float(x)) for x in 100000 * shipped / np.sum(shipped)))
