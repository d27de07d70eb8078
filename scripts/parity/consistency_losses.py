"""MixMatch's and Mean Teacher's losses on a small fixed batch, computed by the reference's own
`run_step` (ytaek-oh/daso @ 3541a6c, `lib/algorithm/mixmatch.py` `MixMatch.run_step`,
`lib/algorithm/mean_teacher.py` `MeanTeacher.run_step`, with its CrossEntropyLoss and MSELoss). TailKit
commits only the numbers this prints (Tests/TailKitTests/SSLConsistencyParityTests.swift).

Usage: PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps python3 -s -S scripts/parity/consistency_losses.py DASO_CHECKOUT

The images and the toy network (no batch norm: features = the mean of each channel's four 16x16
quadrants, a Linear(12, 4) classifier with fixed weights) are those of remixmatch_losses.py; Mean
Teacher's teacher is the same network with the classifier weight 1.5*value from 81000, bias from 81100.
MixMatch's draws are fixed by replacing numpy's beta (0.3, so lambda = 0.7) and torch.randperm
(row i -> (5i + 3) mod 12). Ramp 0.25 for both.
"""
import json, math, sys, types
from types import SimpleNamespace as NS

import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daso_reference import open_checkout, value, block

# The base class imports the whole training framework; run_step uses none of it.
open_checkout(sys.argv[1], ["lib", "lib.models", "lib.models.losses", "lib.utils", "lib.algorithm"],
              {"lib.algorithm.base_ssl_algorithm": {"SemiSupervised": object}})

import numpy as np
import torch
from lib.algorithm.mean_teacher import MeanTeacher
from lib.algorithm.mixmatch import MixMatch
from lib.models.losses.cross_entropy import CrossEntropyLoss
from lib.models.losses.mse_loss import MSELoss

C, B, U = 4, 4, 4

images = lambda offset: block(offset, (B, 3, 32, 32))
labeled, view1, view2 = images(0), images(20000), images(40000)
labels = torch.tensor([0, 1, 2, 0])

class Toy(torch.nn.Module):
    def __init__(self, weight_at, bias_at):
        super().__init__()
        self.classifier = torch.nn.Linear(12, C)
        with torch.no_grad():
            self.classifier.weight.copy_(block(weight_at, (C, 12), scale=1.5))
            self.classifier.bias.copy_(block(bias_at, (C,), scale=0.5))

    def encoder(self, x):
        return x.reshape(x.size(0), 3, 2, 16, 2, 16).mean(dim=(3, 5)).flatten(1)

    def forward(self, x, return_features=False):
        f = self.encoder(x)
        return f if return_features else self.classifier(f)

class EMA:
    def __init__(self, model): self.model = model
    def __call__(self, x, return_features=False): return self.model(x, return_features=return_features)
    def update(self, *args, **kwargs): return 0.0

np.random.beta = lambda a, b: 0.3
torch.randperm = lambda n: torch.tensor([(5 * i + 3) % n for i in range(n)])

def run(algorithm, **extra):
    captured = {}
    model = Toy(80000, 80100)
    s = NS(_l_iter=iter([(labeled, labels, None)]), _ul_iter=iter([((view1, view2), labels, torch.arange(U))]),
           device="cpu", model=model, num_classes=C, cons_rampup_func=lambda: 0.25, with_daso=False,
           accuracy=lambda logits, y: (0.0, 0.0), apply_scheduler=False, ema_model=EMA(model), l_loss=CrossEntropyLoss(),
           optimizer=NS(zero_grad=lambda: None, step=lambda: None, param_groups=[{"lr": 0.03}]),
           meters=NS(put_scalar=lambda *a, **k: None, put_scalars=lambda *a, **k: None), iter_timer=NS(update=lambda *a, **k: None, avg=0.0),
           _write_metrics=lambda metrics, n, prefix: captured.update(
               {k: float(v.detach()) if torch.is_tensor(v) else float(v) for k, v in metrics.items()}),
           iter=1, max_iter=250)
    for k, v in extra.items(): setattr(s, k, v)
    algorithm.run_step(s)
    return {k: v for k, v in captured.items() if k.startswith("loss")}

print(json.dumps({"torch": torch.__version__,
                  "mixmatch": run(MixMatch, T=0.5, alpha=0.5, ul_loss=MSELoss(loss_weight=100.0)),
                  "meanteacher": run(MeanTeacher, ul_loss=MSELoss(loss_weight=50.0), ema_model=EMA(Toy(81000, 81100)))}, indent=1))
