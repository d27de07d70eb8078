"""CReST's choice of pseudo-labeled images, CReST+'s temperature schedule and its tempered distribution
alignment, computed by the reference's own code (ytaek-oh/daso @ 3541a6c, `lib/algorithm/fm_crest.py`
`FixMatchCReST.__init__` (the inclusion rates), `_rebuild_labeled_dataset` and `gradual_temp`;
`lib/models/dist_align.py` `DistributionAlignment`). TailKit commits only the numbers this prints and
the generated inputs (Tests/TailKitTests/SSLCReSTParityTests.swift).

Usage: PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps python3 -s -S scripts/parity/crest_selection.py DASO_CHECKOUT

The trainer around FixMatchCReST is replaced by the least that its methods touch: data sets holding
arrays, a loader builder returning the data set, and `eval_ul_dataset` returning a fixed table of
softmax rows (the EMA model's predictions). Labeled counts are in class index order = frequency order,
as on DASO's splits, where TailKit's mirrored rank and the reference's C-1-i agree.
"""
import json, math, sys, types
from types import SimpleNamespace as NS

import numpy as np

import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daso_reference import open_checkout, value, block

open_checkout(sys.argv[1], ["lib", "lib.models", "lib.algorithm", "lib.dataset", "lib.dataset.loader"])

import torch

C, N = 4, 40
COUNTS = [20, 9, 4, 1]


class Dataset:
    """What fm_crest reads of a data set: its arrays, a selection of them, its labels."""
    def __init__(self, data, transforms=None, is_ul_unknown=False):
        self.data = data
        self.transforms = transforms
        self.is_ul_unknown = False

    def select_dataset(self, indices=None, labels=None, return_transforms=False):
        picked = {k: (v if indices is None else v[np.asarray(indices, dtype=np.int64)]) for k, v in self.data.items()}
        if labels is not None:
            picked["labels"] = np.asarray(labels, dtype=np.int64)
        return (picked, self.transforms) if return_transforms else picked

    def __len__(self):
        return len(self.data["labels"])


base = types.ModuleType("lib.dataset.base"); base.BaseNumpyDataset = Dataset; sys.modules["lib.dataset.base"] = base
build = types.ModuleType("lib.dataset.loader.build"); build._build_loader = lambda cfg, dataset, **kw: [dataset]
sys.modules["lib.dataset.loader.build"] = build
sys.modules["lib.models"].EMAModel = object


class FixMatch:
    """The parts of the trainer FixMatchCReST's constructor and generation switch use."""
    def __init__(self, cfg):
        self.cfg = cfg
        self.num_classes = C
        labeled = np.concatenate([[c] * n for c, n in enumerate(COUNTS)]).astype(np.int64)
        self.l_loader = NS(dataset=Dataset({"images": np.arange(len(labeled)) + 1000, "labels": labeled}))
        self.ul_loader = NS(dataset=Dataset({"images": np.arange(N), "labels": np.zeros(N, dtype=np.int64)}))
        self.test_loader = NS(dataset=NS(transforms=None))
        self.optimizer = None
        self.logger = NS(info=lambda *a, **k: None)

    def build_lr_scheduler(self, cfg, optimizer, override_max_iter=None):
        return None

    def get_label_dist(self, dataset=None, normalize=None, device=None):
        counts = torch.from_numpy(np.bincount(dataset.data["labels"], minlength=C)).float()
        return counts / counts.max() if normalize == "max" else counts


fixmatch = types.ModuleType("lib.algorithm.fixmatch"); fixmatch.FixMatch = FixMatch
sys.modules["lib.algorithm.fixmatch"] = fixmatch

from lib.algorithm.fm_crest import FixMatchCReST
from lib.models.dist_align import DistributionAlignment


logits = torch.tensor([[value(r * C + c) for c in range(C)] for r in range(N)], dtype=torch.float32)
probabilities = logits.softmax(dim=1)

cfg = NS(ALGORITHM=NS(CREST=NS(GEN_PERIOD_STEPS=100, TMIN=0.5, PROGRESSIVE_ALIGN=True, ALPHA=3.0)), SOLVER=NS(MAX_ITER=500),
         MODEL=NS(DIST_ALIGN=NS(TEMPERATURE=1.0)), GPU_ID="cpu")
crest = FixMatchCReST(cfg)
crest.eval_ul_dataset = lambda: probabilities.clone()
crest._rebuild_labeled_dataset()
added = crest.current_l_dataset.data
start = sum(COUNTS)

temperatures = []
for g in range(5):
    crest.iter = g * 100 + 17
    temperatures.append(crest.gradual_temp)

da = DistributionAlignment(cfg, torch.tensor(COUNTS, dtype=torch.float32) / sum(COUNTS))
aligned = [da(probabilities[8 * b:8 * b + 8], temperature=t).flatten().tolist() for b, t in enumerate([1.0, 0.875, 0.75, 0.625, 0.5])]

print(json.dumps({"torch": torch.__version__, "probabilities": probabilities.flatten().tolist(),
                  "mu_per_cls": crest.mu_per_cls.tolist(),
                  "added_indices": (added["images"][start:]).tolist(), "added_labels": added["labels"][start:].tolist(),
                  "temperatures": temperatures, "aligned": aligned}, indent=1))
