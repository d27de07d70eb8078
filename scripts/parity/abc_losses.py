"""FixMatch + ABC's losses on a small fixed batch, computed by the reference's own `run_step`
(ytaek-oh/daso @ 3541a6c, `lib/algorithm/fm_abc.py` `FixMatchABC.run_step`, with its CrossEntropyLoss).
TailKit commits only the numbers this prints (Tests/TailKitTests/SSLConsistencyParityTests.swift).

Usage: PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps python3 -s -S scripts/parity/abc_losses.py DASO_CHECKOUT

The images and the toy network are those of remixmatch_losses.py (quadrant-mean features, Linear(12, 4)
classifier, weight 1.5*value from 80000, bias 0.5*value from 80100), plus the ABC head (weight from
82000, bias from 82100). Labeled counts (100, 40, 25, 10), so b = (0.1, 0.25, 0.4, 1); step 60000
(schedule epoch 120); threshold 0.5. torch.bernoulli(p) is replaced by 1[u < p] with fixed uniforms:
(0.05, 0.5, 0.3, 0.9) for the labeled batch, (0.2, 0.9, 0.8, 0.95) for the unlabeled one.
"""
import json, math, sys, types
from types import SimpleNamespace as NS

import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daso_reference import open_checkout, value, block

# fm_abc.py's base class imports the whole training framework; run_step uses none of it.
open_checkout(sys.argv[1], ["lib", "lib.models", "lib.models.losses", "lib.utils", "lib.algorithm"],
              {"lib.algorithm.fixmatch": {"FixMatch": object}})

import torch
from lib.algorithm.fm_abc import FixMatchABC
from lib.models.losses.cross_entropy import CrossEntropyLoss

C, B, U = 4, 4, 4
UNIFORMS = [[0.05, 0.5, 0.3, 0.9], [0.2, 0.9, 0.8, 0.95]]

images = lambda offset: block(offset, (B, 3, 32, 32))
labeled, weak, strong = images(0), images(20000), images(40000)
labels = torch.tensor([0, 1, 2, 3])

def linear(weight_at, bias_at):
    layer = torch.nn.Linear(12, C)
    with torch.no_grad():
        layer.weight.copy_(block(weight_at, (C, 12), scale=1.5))
        layer.bias.copy_(block(bias_at, (C,), scale=0.5))
    return layer

classifier, abc = linear(80000, 80100), linear(82000, 82100)
class Toy:
    classify, abc_classify = classifier, abc

    def __call__(self, x, return_features=False):
        return x.reshape(x.size(0), 3, 2, 16, 2, 16).mean(dim=(3, 5)).flatten(1)

model = Toy()

# torch 1.4 (the reference's) detached the chunk views in place; torch 2 refuses that for views. An
# out-of-place detach gives the same numbers: only the weak rows' copies are read afterwards.
torch.Tensor.detach_ = lambda self: self.detach()
draws = iter(UNIFORMS)
torch.bernoulli = lambda p: (torch.tensor(next(draws), dtype=p.dtype) < p).float()

captured = {}
s = NS(_l_iter=iter([(labeled, labels, None)]), _ul_iter=iter([((weak, strong), labels, torch.arange(U))]),
       device="cpu", model=model, bal_param=torch.tensor([10.0, 10.0, 10.0, 10.0]) / torch.tensor([100.0, 40.0, 25.0, 10.0]),
       conf_thres=0.5, cfg=NS(PERIODS=NS(EVAL=500)), iter=60000, l_loss=CrossEntropyLoss(), ul_loss=CrossEntropyLoss(),
       accuracy=lambda logits, y: (0.0, 0.0), apply_scheduler=False, ema_model=NS(update=lambda *a, **k: 0.0),
       optimizer=NS(zero_grad=lambda: None, step=lambda: None, param_groups=[{"lr": 0.03}]),
       meters=NS(put_scalar=lambda *a, **k: None), iter_timer=NS(update=lambda *a, **k: None, avg=0.0),
       _write_metrics=lambda metrics, n, prefix: captured.update(
           {k: float(v.detach()) if torch.is_tensor(v) else float(v) for k, v in metrics.items()}))
FixMatchABC.run_step(s)
print(json.dumps({"torch": torch.__version__, "fixmatch_abc": {k: v for k, v in captured.items() if k.startswith("loss")}}, indent=1))
