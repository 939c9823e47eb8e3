#!/usr/bin/env python3
"""Does the fast decode route change the results?  glyphprep's default route reaches the
working scale while decoding (libjpeg-turbo DCT scaling, luma only); `shrink_on_load: false`
decodes every pixel and averages blocks instead.  For each pipeline this runs both routes on
the same files and reports the mean |difference| of the 28x28 outputs in grey levels, the
wall time of each, and — for pipelines that classify — the accuracy of each through
`glyphprep eval` with the data set's labels.csv.

    bench/.venv/bin/python bench/quality.py [--data DIR] [--pipelines mnist,emnist] [--jobs 2]
"""
import argparse
import glob
import os
import re
import statistics
import subprocess
import sys
import time

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def reference_pipeline(pipeline, work):
    """The pipeline with `shrink_on_load: false` added to its decode stage."""
    text = open(os.path.join(REPO, "pipelines", f"{pipeline}.yaml")).read()
    text, n = re.subn(r"- decode: \{", "- decode: {shrink_on_load: false, ", text)
    if n != 1:
        sys.exit(f"{pipeline}.yaml: expected one '- decode: {{…}}' line")
    # Model names resolve next to the pipeline file: point them at the repository's models/.
    text = re.sub(r"model: (\w+)\}", lambda m: f"model: {os.path.join(REPO, 'models', m.group(1) + '.onnx')}}}", text)
    path = os.path.join(work, f"{pipeline}-reference.yaml")
    open(path, "w").write(text)
    return path


def timed(argv, optional=False):
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        if optional:  # e.g. eval of a digits pipeline on letter labels: accuracy n/a
            print(f"(skipped: {' '.join(argv[:3])}: {p.stderr.strip()[:200]})", file=sys.stderr)
            return time.perf_counter() - t0, ""
        sys.exit(f"failed: {' '.join(argv)}\n{p.stderr[-2000:]}")
    return time.perf_counter() - t0, p.stdout + p.stderr


def accuracy(output):
    m = re.search(r"accuracy: ([0-9.]+) %", output)
    return float(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="input dir with labels.csv (default: the newest bench/data/synth-*)")
    ap.add_argument("--glyphprep", default=os.path.join(REPO, ".build/release/glyphprep"))
    ap.add_argument("--pipelines", default="mnist,emnist")
    ap.add_argument("--jobs", default="2")
    a = ap.parse_args()
    data = a.data or max(glob.glob(os.path.join(HERE, "data", "synth-*")), key=os.path.getmtime)
    labels = os.path.join(data, "labels.csv")
    work = os.path.join(HERE, "work", "quality")
    os.makedirs(work, exist_ok=True)
    rows = []
    for pipeline in a.pipelines.split(","):
        routes = {"shrink on load": os.path.join(REPO, "pipelines", f"{pipeline}.yaml"),
                  "full decode": reference_pipeline(pipeline, work)}
        outs, walls, accs = {}, {}, {}
        for route, yaml in routes.items():
            out = os.path.join(work, pipeline, route.replace(" ", "-"))
            walls[route], _ = timed([a.glyphprep, "run", yaml, data, "-o", out, "--jobs", a.jobs, "--overwrite"])
            outs[route] = out
            if "classify" in open(yaml).read() and os.path.exists(labels):
                _, text = timed([a.glyphprep, "eval", yaml, data, "--labels", labels, "-o", out + "-eval",
                                 "--jobs", a.jobs], optional=True)
                accs[route] = accuracy(text)
        diffs = []
        for f in sorted(glob.glob(os.path.join(outs["shrink on load"], "**", "*.png"), recursive=True)):
            g = os.path.join(outs["full decode"], os.path.relpath(f, outs["shrink on load"]))
            x, y = cv2.imread(f, cv2.IMREAD_GRAYSCALE), cv2.imread(g, cv2.IMREAD_GRAYSCALE)
            if x is not None and y is not None and x.shape == y.shape:
                diffs.append(float(np.abs(x.astype(np.int16) - y).mean()))
        acc = lambda r: f"{accs[r]:.2f} %" if accs.get(r) is not None else "n/a"
        rows.append(f"| {pipeline} | {len(diffs)} | {statistics.mean(diffs):.2f} | {statistics.median(diffs):.2f} | "
                    f"{max(diffs):.2f} | {walls['shrink on load']:.2f} | {walls['full decode']:.2f} | "
                    f"{acc('shrink on load')} | {acc('full decode')} |")
    print(f"Fast route vs full decode on {os.path.relpath(data, REPO)} (--jobs {a.jobs}):\n")
    print("| pipeline | files | mean |diff| | median | max | wall s (shrink on load) | wall s (full decode) | "
          "accuracy (shrink on load) | accuracy (full decode) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
