"""DARP's refinement of a small fixed table of soft pseudo-labels, computed by the reference's own code
(ytaek-oh/daso @ 3541a6c, `lib/algorithm/darp_reproduce.py`: `DARP.estimate_pseudo` and `DARP.opt_solver`,
called as `DARP.step` calls them). TailKit commits only the numbers this prints
(Tests/TailKitTests/SSLDARPTests.swift).

Usage: PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps python3 -s -S scripts/parity/darp_solver.py DASO_CHECKOUT
"""
import json, math, sys, types

sys.path.insert(0, sys.argv[1])
for package in ["lib", "lib.algorithm", "lib.dataset"]:
    module = types.ModuleType(package)
    module.__path__ = [sys.argv[1] + "/" + package.replace(".", "/")]
    sys.modules[package] = module
utils = types.ModuleType("lib.dataset.utils")   # only get_target_dist uses it; the target is given here
utils.get_data_config = utils.get_imb_num = None
sys.modules["lib.dataset.utils"] = utils

import torch
from lib.algorithm.darp_reproduce import DARP

N, C = 12, 3

def value(k):
    return 2.0 * math.sin(1.3 * k + 0.3) + math.cos(0.37 * k * k)

logits = torch.tensor([[value(r * C + c) for c in range(C)] for r in range(N)], dtype=torch.float32)
table = logits.softmax(dim=1)
target = torch.tensor([6.0, 4.0, 2.0])

darp = DARP.__new__(DARP)
darp.alpha, darp.num_classes, darp.num_darp_iters = 2.0, C, 10
darp.target_dist, darp.pseudo_orig = target, table.clone()
targets_u, weights_u = darp.estimate_pseudo()
scaled = darp.pseudo_orig * (targets_u * weights_u.reshape(1, -1)) + 1e-6
darp.pseudo_orig = scaled / scaled.sum(dim=1, keepdim=True)
refined = darp.opt_solver()
print(json.dumps({"table": table.flatten().tolist(), "refined": refined.flatten().tolist(),
                  "row_sums": refined.sum(1).tolist(), "column_sums": refined.sum(0).tolist()}))
