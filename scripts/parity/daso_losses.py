"""FixMatch's and DASO's losses on a small fixed batch, computed by the reference's own code
(ytaek-oh/daso @ 3541a6c, `lib/models/daso_model.py` `DASOModel.forward_train`, its FeatureQueue,
DistributionLogger and CrossEntropyLoss). TailKit commits only the numbers this prints
(Tests/TailKitTests/SSLParityTests.swift); the reference's code stays where it is.

Usage: PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps python3 -s -S scripts/parity/daso_losses.py DASO_CHECKOUT

The encoder is the identity on given features (so the batch is features), the EMA encoder is the
identity too, and the classifier a Linear with fixed weights: forward_train then runs exactly as in
training. FixMatch is forward_train during DASO's pre-training (no semantic pseudo-labels, no
alignment loss); DASO is the same call after pre-training.
"""
import json, math, sys, types
from types import SimpleNamespace as NS

import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daso_reference import open_checkout, value, block

open_checkout(sys.argv[1], ["lib", "lib.models", "lib.models.losses", "lib.models.heads", "lib.utils"])

import torch
from lib.models.daso_model import DASOModel
from lib.models.feature_queue import FeatureQueue
from lib.models.losses.cross_entropy import CrossEntropyLoss
from lib.utils.dist_logger import DistributionLogger

C, D, B, U = 4, 6, 8, 6

labeled, weak, strong = block(0, (B, D)), block(100, (U, D)), block(200, (U, D))
labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
truth = torch.tensor([0, 0, 1, 2, 3, 0])
linear = torch.nn.Linear(D, C)
with torch.no_grad():
    linear.weight.copy_(block(300, (C, D), scale=1.5))
    linear.bias.copy_(block(400, (1, C), scale=0.5)[0])

def run(pretraining, dist_temp, threshold=0.95):
    cfg = NS(MODEL=NS(NUM_CLASSES=C, QUEUE=NS(FEAT_DIM=D, MAX_SIZE=256)), GPU_ID="cpu")
    model = NS(encoder=lambda x: x, classifier=linear, queue=FeatureQueue(cfg, classwise_max_size=None, bal_queue=True),
               similarity_fn=torch.nn.CosineSimilarity(dim=2), T_proto=0.05, pretraining=pretraining, psa_loss_weight=1.0,
               T_dist=dist_temp, with_dist_aware=True, interp_alpha=0.5, with_la=False, tau=1.0, with_abc=False,
               conf_thres=threshold, device="cpu", l_loss=CrossEntropyLoss(), num_classes=C)
    logger = DistributionLogger(meters=None, num_classes=C)
    logger._pl_dist = [40, 25, 20, 15]
    ema = lambda x, return_features=False: x
    losses = DASOModel.forward_train(model, torch.cat([labeled, weak, strong]), labels=labels, ema_model=ema,
                                     dist_logger=logger, ul_loss=CrossEntropyLoss(), UL_LABELS=truth)
    return {"losses": {k: v.item() for k, v in losses.items()},
            "pseudo_labels": logger._bank["pseudo_labels"][0].tolist(),
            "confidence": logger._bank["pl_confidence"][0].tolist(),
            "semantic_labels": logger._bank["sem_pl"][0].tolist(),
            "prototypes": model.queue.prototypes.flatten().tolist()}

print(json.dumps({"torch": torch.__version__, "fixmatch": run(True, 1.5), "daso": run(False, 1.5),
                  "daso_t03": run(False, 0.3),
                  "daso_t03_threshold05": run(False, 0.3, threshold=0.5)}, indent=1))
