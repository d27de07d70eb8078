"""ReMixMatch's and ReMixMatch+DASO's losses on a small fixed batch, computed by the reference's own
`run_step` (ytaek-oh/daso @ 3541a6c, `lib/algorithm/remixmatch.py` `ReMixMatch.run_step`,
`lib/algorithm/rm_daso.py` `ReMixMatchDASO.run_step`, with its DistributionAlignment, FeatureQueue and
DistributionLogger). TailKit commits only the numbers this prints (Tests/TailKitTests/SSLReMixMatchTests.swift).

Usage: PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps python3 -s -S scripts/parity/remixmatch_losses.py DASO_CHECKOUT

The network is a toy without batch norm: features = the mean of each channel's four 16x16 quadrants
(12 numbers per 3x32x32 image), a Linear(12, 4) classifier and a Linear(12, 4) rotation head with fixed
weights. The random draws are fixed by replacing numpy's beta (0.3, so lambda = 0.7), torch.randperm
(row i -> (5i + 3) mod 16) and torch.randint (turns 1 3 0 2); the ramp is 0.25 (step 1 of a 4-step ramp).
"""
import json, math, sys, types
from types import SimpleNamespace as NS

import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daso_reference import open_checkout, value, block

# remixmatch.py's base class and DARP import the whole training framework; run_step uses none of it.
open_checkout(sys.argv[1], ["lib", "lib.models", "lib.utils", "lib.algorithm"],
              {"lib.algorithm.base_ssl_algorithm": {"SemiSupervised": object},
               "lib.algorithm.darp_reproduce": {"get_target_dist": None}})

import numpy as np
import torch
from lib.algorithm.remixmatch import ReMixMatch
from lib.algorithm.rm_daso import ReMixMatchDASO
from lib.models.dist_align import DistributionAlignment
from lib.models.feature_queue import FeatureQueue
from lib.utils.dist_logger import DistributionLogger

C, B, U = 4, 4, 4
PERM = [(5 * i + 3) % 16 for i in range(16)]
TURNS = [1, 3, 0, 2]

images = lambda offset: block(offset, (B, 3, 32, 32))
labeled, weak, strong1, strong2 = images(0), images(20000), images(40000), images(60000)
labels = torch.tensor([0, 1, 2, 0])
truth = torch.tensor([0, 1, 1, 3])

class Toy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.classifier = torch.nn.Linear(12, C)
        self.rotation = torch.nn.Linear(12, 4)
        with torch.no_grad():
            self.classifier.weight.copy_(block(80000, (C, 12), scale=1.5))
            self.classifier.bias.copy_(block(80100, (C,), scale=0.5))
            self.rotation.weight.copy_(block(80200, (4, 12), scale=1.5))
            self.rotation.bias.copy_(block(80300, (4,), scale=0.5))

    def encoder(self, x):
        return x.reshape(x.size(0), 3, 2, 16, 2, 16).mean(dim=(3, 5)).flatten(1)

    def forward(self, x, classification_mode="classification", return_features=False):
        f = self.encoder(x)
        if return_features:
            return f
        return self.rotation(f) if classification_mode == "rotation" else self.classifier(f)

class EMA:
    def __init__(self, model): self.model = model
    def __call__(self, x, return_features=False): return self.model(x, return_features=return_features)
    def update(self, *args, **kwargs): return 0.0

np.random.beta = lambda a, b: 0.3
torch.randperm = lambda n: torch.tensor(PERM)
torch.randint = lambda low, high, size: torch.tensor(TURNS)

def run(algorithm, with_align, daso=False):
    captured = {}
    cfg = NS(MODEL=NS(DIST_ALIGN=NS(TEMPERATURE=1.0), NUM_CLASSES=C, QUEUE=NS(FEAT_DIM=12, MAX_SIZE=256)), GPU_ID="cpu",
             ALGORITHM=NS(DASO=NS(PL_DIST_UPDATE_PERIOD=100)))
    model = Toy()
    s = NS(_l_iter=iter([(labeled, labels, None)]), _ul_iter=iter([((weak, strong1, strong2), truth, torch.arange(U))]),
           device="cpu", model=model, with_align=with_align, T=0.5, num_classes=C, alpha=0.75,
           ul_loss=NS(loss_weight=1.5), cons_rampup_func=lambda: 0.25, weight_kl=0.5, weight_rot=0.5, with_darp=False,
           accuracy=lambda logits, y: (0.0, 0.0), apply_scheduler=False, ema_model=EMA(model),
           optimizer=NS(zero_grad=lambda: None, step=lambda: None, param_groups=[{"lr": 0.03}]),
           meters=NS(put_scalar=lambda *a, **k: None), iter_timer=NS(update=lambda *a, **k: None, avg=0.0),
           _write_metrics=lambda metrics, n, prefix: captured.update({k: float(v.detach()) if torch.is_tensor(v) else float(v) for k, v in metrics.items()}),
           iter=1, max_iter=250, cfg=cfg)
    if with_align:
        s.dist_align = DistributionAlignment(cfg, torch.tensor([0.5, 0.25, 0.15, 0.1]))
        # One earlier batch in the window, so the running mean is not the batch's own.
        s.dist_align(block(90000, (U, C)).softmax(dim=1))
    if daso:
        s.pretrain_steps = 1
        s.pretraining = False
        s.similarity_fn = torch.nn.CosineSimilarity(dim=2)
        s.T_proto, s.psa_loss_weight, s.T_dist = 0.05, 1.0, 1.5
        s.queue = FeatureQueue(cfg)
        s.dist_logger = DistributionLogger(meters=None, num_classes=C)
        s.dist_logger._pl_dist = [40, 25, 20, 15]
        s.dist_logger.accumulate_pl = True
    algorithm.run_step(s)
    out = {"losses": {k: v for k, v in captured.items() if k.startswith("loss")}}
    if daso:
        out["pseudo_labels"] = s.dist_logger._bank["pseudo_labels"][0].tolist()
        out["confidence"] = s.dist_logger._bank["pl_confidence"][0].tolist()
    return out

print(json.dumps({"torch": torch.__version__, "remixmatch_da": run(ReMixMatch, True), "remixmatch": run(ReMixMatch, False),
                  "remixmatch_daso": run(ReMixMatchDASO, False, daso=True)}, indent=1))
