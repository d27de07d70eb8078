"""Pseudo-labels a large unlabeled pool on Spark and builds the rho_U-controlled unlabeled set.

The pool is a text file (or folder of part files) of records "ID<TAB>BASE64", the base64 of each image's
H*W*C uint8 bytes in HWC order. Spark reads it as partitions, pipes every partition through
`tailkit pseudo-label --stdin` (RDD.pipe: one tailkit process per partition, on the executors), keeps per
class the records predicted as that class with the highest confidence (ties: smaller id), with the per-class
quotas that `tailkit pseudo-label --plan` computes, and writes them in the reference's pool pickle format
({'data': uint8 [N, H, W, C], 'extrapolated_targets': int64 [N]}), which `tailkit train --unlabeled FILE` reads.
The result equals `tailkit pseudo-label --stdin --select-out FILE` run on the same records in one process.

Malformed records (no tab, bad base64, wrong image size) are listed by id on standard error and in
OUT.errors.tsv; every other record is labeled and considered.

Local:
    python3 scripts/spark_pseudo_label.py --master 'local[2]' --tailkit .build/release/tailkit \
        --checkpoint runs/RUN/best.ckpt --records pool.tsv --unlabeled-total 5000 --imb-factor-unlabel 0.01 --out set.pickle
Cluster: spark-submit --master yarn scripts/spark_pseudo_label.py --tailkit /opt/tailkit/tailkit ...
    (the binary, its libtorch and the checkpoint must be at the same paths on every executor; see README "Scale out").
"""
import argparse
import base64
import json
import pickle
import shlex
import subprocess
import sys

import numpy as np
from pyspark import SparkConf, SparkContext


def parse_arguments(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", required=True, help="text file or folder of ID<TAB>BASE64 records")
    p.add_argument("--tailkit", required=True, help="path of the tailkit binary on every executor")
    p.add_argument("--checkpoint", required=True, help="base classifier checkpoint, same path on every executor")
    p.add_argument("--out", required=True, help="pool pickle to write (must not exist)")
    p.add_argument("--unlabeled-total", type=int, required=True, help="size U of the selected set")
    p.add_argument("--imb-factor-unlabel", type=float, default=0.01, help="1/rho_U of the selected set")
    p.add_argument("--master", default=None, help="Spark master (default: spark-submit's)")
    p.add_argument("--partitions", type=int, default=None, help="minimum partitions of the records")
    p.add_argument("--threads", type=int, default=1, help="libtorch threads of each tailkit process")
    p.add_argument("--batch-size", type=int, default=200, help="images per forward pass")
    return p.parse_args(argv)


def plan(args):
    """Quotas and image shape from tailkit itself, so both paths use one formula."""
    out = subprocess.run([args.tailkit, "pseudo-label", "--checkpoint", args.checkpoint, "--plan",
                          "--unlabeled-total", str(args.unlabeled_total), "--imb-factor-unlabel", str(args.imb_factor_unlabel)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def parse_prediction(line):
    """("ok", id, label, confidence) or ("error", id, problem)."""
    parts = line.split("\t", 2)
    if len(parts) == 3 and parts[1] == "ERROR":
        return ("error", parts[0], parts[2])
    return ("ok", parts[0], int(parts[1]), float(parts[2]))


def record_id(line):
    return line.split("\t", 1)[0]


def main(argv):
    args = parse_arguments(argv)
    shape = plan(args)
    quotas = shape["quotas"]
    conf = SparkConf().setAppName("tailkit-pseudo-label")
    if args.master:
        conf = conf.setMaster(args.master)
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    try:
        records = sc.textFile(args.records, minPartitions=args.partitions).filter(lambda line: line != "")
        command = [args.tailkit, "pseudo-label", "--stdin", "--checkpoint", args.checkpoint,
                   "--threads", str(args.threads), "--batch-size", str(args.batch_size)]
        predictions = records.pipe(shlex.join(command), checkCode=True).map(parse_prediction).cache()
        errors = predictions.filter(lambda p: p[0] == "error").map(lambda p: (p[1], p[2])).collect()
        labeled = predictions.filter(lambda p: p[0] == "ok").map(lambda p: (p[1], p[2], p[3]))
        total = labeled.count()
        chosen = []
        for c, quota in enumerate(quotas):
            if quota > 0:
                # Highest confidence first; the id (bytes) breaks ties, as in TopConfidenceSelection.swift.
                top = labeled.filter(lambda p, c=c: p[1] == c).takeOrdered(quota, key=lambda p: (-p[2], p[0].encode()))
                chosen += [(p[0], c) for p in top]
        wanted = sc.broadcast({rid for rid, _ in chosen})
        images = dict(records.filter(lambda line: record_id(line) in wanted.value)
                      .map(lambda line: (record_id(line), line.split("\t", 1)[1])).collect())
    finally:
        sc.stop()

    h, w, ch = shape["height"], shape["width"], shape["channels"]
    data = np.zeros((len(chosen), h, w, ch), dtype=np.uint8)
    for i, (rid, _) in enumerate(chosen):
        data[i] = np.frombuffer(base64.b64decode(images[rid]), dtype=np.uint8).reshape(h, w, ch)
    targets = np.array([c for _, c in chosen], dtype=np.int64)
    with open(args.out, "xb") as f:
        pickle.dump({"data": data, "extrapolated_targets": targets}, f)
    if errors:
        with open(args.out + ".errors.tsv", "w") as f:
            f.writelines(f"{rid}\t{problem}\n" for rid, problem in errors)
        print(f"malformed records left out ({len(errors)}): " + ", ".join(rid for rid, _ in errors), file=sys.stderr)
    print(f"labeled {total} records; selected {len(chosen)} (quotas {quotas}); wrote {args.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
