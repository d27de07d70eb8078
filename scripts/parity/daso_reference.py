"""What every DASO parity script shares: the reference's own modules (ytaek-oh/daso @ 3541a6c) imported
from a checkout, and the fixed inputs both sides compute.

The reference's package `__init__` files import torchvision and the data sets, and its configs need
yacs; a parity script needs neither, so `open_checkout` makes each package it names a bare package
over its folder, stands in for yacs, and installs stand-ins for the modules a `run_step` does not use.

    from daso_reference import open_checkout, block
    open_checkout(sys.argv[1], ["lib", "lib.algorithm"], {"lib.algorithm.fixmatch": {"FixMatch": object}})
    from lib.algorithm.fm_abc import FixMatchABC
"""
import math, sys, types


def open_checkout(checkout, packages, stubs=None):
    """Puts `checkout` on the import path, stands in for yacs, makes each name of `packages` a bare
    package over its folder, and installs `stubs` ({module: {attribute: value}})."""
    sys.path.insert(0, checkout)
    yacs = types.ModuleType("yacs"); yacs.config = types.ModuleType("yacs.config"); yacs.config.CfgNode = dict
    sys.modules["yacs"] = yacs; sys.modules["yacs.config"] = yacs.config
    for package in packages:
        module = types.ModuleType(package)
        module.__path__ = [checkout + "/" + package.replace(".", "/")]
        sys.modules[package] = module
    for name, attributes in (stubs or {}).items():
        module = types.ModuleType(name)
        for key, item in attributes.items():
            setattr(module, key, item)
        sys.modules[name] = module


def value(k):
    """The inputs: a fixed formula both sides evaluate in double, then round to float32."""
    return 2.0 * math.sin(1.3 * k + 0.3) + math.cos(0.37 * k * k)


def block(offset, shape, scale=1.0):
    """A float32 tensor of `shape` holding scale * value(offset + i) in row-major order."""
    import torch
    n = math.prod(shape)
    return torch.tensor([scale * value(offset + i) for i in range(n)], dtype=torch.float32).reshape(shape)
