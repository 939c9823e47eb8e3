#!/usr/bin/env python3
"""Which part of a speed-up came from what: several glyphprep binaries (or pipeline variants)
on the bench sets, rounds alternating (order rotated, reversed every other round), medians of
wall time and of CPU time (user + sys of the process tree, /usr/bin/time).

    bench/.venv/bin/python bench/ablation.py NAME=BINARY[:PIPELINE_DIR] ... \\
        [--data DIR ...] [--pipelines mnist,emnist] [--rounds 3] [--jobs 2]

PIPELINE_DIR holds <pipeline>.yaml files to use instead of pipelines/ (e.g. a min_stroke variant).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def measure(argv, out):
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", tf.name] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        user, sys_, rss = tf.read().split()[-3:]
    return wall, float(user) + float(sys_), int(rss) / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variants", nargs="+", help="NAME=BINARY[:PIPELINE_DIR]")
    ap.add_argument("--data", action="append", required=True)
    ap.add_argument("--pipelines", default="mnist,emnist")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    variants = []
    for v in a.variants:
        name, rest = v.split("=", 1)
        binary, _, pdir = rest.partition(":")
        variants.append((name, binary, pdir or os.path.join(REPO, "pipelines")))
    print(f"load avg at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| set | pipeline | variant | wall s (median) | CPU s (median) | peak RSS MB | rounds |")
    print("|---|---|---|---:|---:|---:|---:|")
    for data in a.data:
        for p in a.pipelines.split(","):
            res = {n: [] for n, _, _ in variants}
            for r in range(a.rounds):
                k = r % len(variants)
                order = variants[k:] + variants[:k]
                if r % 2:
                    order.reverse()
                for name, binary, pdir in order:
                    out = os.path.join(HERE, "work", "ablation", name)
                    res[name].append(measure([binary, "run", os.path.join(pdir, f"{p}.yaml"), data, "-o", out,
                                              "--jobs", str(a.jobs)], out))
            for name, _, _ in variants:
                w, c, m = (statistics.median(x[i] for x in res[name]) for i in range(3))
                print(f"| {os.path.basename(data)} | {p} | {name} | {w:.2f} | {c:.2f} | {m:.0f} | {len(res[name])} |", flush=True)
    print(f"load avg at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
