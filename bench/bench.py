#!/usr/bin/env python3
"""Side-by-side benchmark: glyphprep vs OpenCV / Pillow / pyvips peers vs a
C decode-only floor. Run through bench/run.sh (which sets up bench/.venv).

Every contender runs on the same files with the same --jobs, in a fresh
process under /usr/bin/time; the order rotates every round and the table
shows medians over the rounds. See bench/README.md.
"""
import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "peers"))
import common  # noqa: E402

PEERS = ("opencv", "pillow", "pyvips")
FLOORS = ("floor", "floor-deflate")
ALL = ("glyphprep",) + PEERS + FLOORS
TIME = "/usr/bin/time"


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def sh(argv, **kw):
    log("$", " ".join(argv))
    return subprocess.run(argv, **kw)


def find_glyphprep(a):
    explicit = a.glyphprep or os.environ.get("GLYPHPREP")
    path = os.path.abspath(explicit or os.path.join(REPO, ".build/release/glyphprep"))
    if os.access(path, os.X_OK):
        return path
    if explicit:
        log(f"SKIP glyphprep: {path} is not an executable (from --glyphprep/GLYPHPREP)")
        return None
    if a.no_build or not shutil.which("swift") or not os.path.exists(os.path.join(REPO, "Package.swift")):
        log(f"SKIP glyphprep: {path} missing and not building (--no-build, or no swift/Package.swift)")
        return None
    log("glyphprep not built: swift build -c release (this can take a while)")
    if sh(["swift", "build", "-c", "release", "--product", "glyphprep"], cwd=REPO).returncode != 0 \
            or not os.access(path, os.X_OK):
        log("SKIP glyphprep: release build failed; peers and floor still run")
        return None
    return path


def strokes_dir():
    for d in (os.environ.get("GLYPHPREP_STROKES"), "/work/shared/data/uji",
              os.path.join(REPO, "..", "shared", "data", "uji")):
        if d and os.path.isdir(d):
            return d
    return None


# The bench sets: `mixed` (scans: 2/3 JPEG, half of them gray, 1/3 PNG) and `phone` (phone
# photos: colour JPEG only, letters from 8 % to 60 % of the short side).
SETS = {
    "mixed": dict(formats="jpeg,gray-jpeg,png", extra=[], tag=""),
    "phone": dict(formats="jpeg", extra=["--glyph-size", "0.08-0.6"], tag="phone-"),
}


def dataset(a, gp, name="mixed"):
    """Deterministic input set; created once under bench/data/."""
    if a.data:
        return os.path.abspath(a.data)
    spec = SETS[name]
    strokes = strokes_dir()
    use_synth = gp and strokes and not a.no_synth
    kind = "synth" if use_synth else "samples"
    d = os.path.join(HERE, "data", f"{kind}-{spec['tag']}n{a.count}-s{a.seed}")
    if os.path.exists(os.path.join(d, ".complete")):
        return d
    tmp = d + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    if use_synth:
        cmd = [gp, "synth", strokes, "-o", tmp, "--count", str(a.count), "--seed", str(a.seed),
               "--min-size", "1500", "--max-size", "3000", "--formats", spec["formats"]] + spec["extra"]
    else:
        log("data: glyphprep synth unavailable, using bench/make_samples.py stand-in scans")
        cmd = [sys.executable, os.path.join(HERE, "make_samples.py"), tmp, "--count", str(a.count),
               "--seed", str(a.seed), "--min-size", "1500", "--max-size", "3000"] \
            + (["--jpeg-only"] if name == "phone" else [])
    if sh(cmd).returncode != 0:
        sys.exit("data generation failed")
    shutil.rmtree(d, ignore_errors=True)
    os.rename(tmp, d)
    open(os.path.join(d, ".complete"), "w").close()
    return d


def subset(data, n):
    """Every k-th image of `data` (sorted names; k = len // n), hardlinked into `data`-every<k>,
    with the matching labels.csv rows: a smaller, still varied set for a busy machine."""
    files = common.list_images(data)
    if n <= 0 or n >= len(files):
        return data
    step = len(files) // n
    d = f"{data}-every{step}"
    if not os.path.exists(os.path.join(d, ".complete")):
        shutil.rmtree(d, ignore_errors=True)
        keep = files[::step][:n]
        for f in keep:
            os.makedirs(os.path.dirname(os.path.join(d, f)), exist_ok=True)
            os.link(os.path.join(data, f), os.path.join(d, f))
        labels = os.path.join(data, "labels.csv")
        if os.path.exists(labels):
            names = set(keep)
            rows = [l for i, l in enumerate(open(labels)) if i == 0 or l.split(",")[0] in names]
            open(os.path.join(d, "labels.csv"), "w").writelines(rows)
        open(os.path.join(d, ".complete"), "w").close()
    return d


def build_floor():
    if sh(["make", "-s", "-C", os.path.join(HERE, "floor")]).returncode != 0:
        log("SKIP floor: build failed (needs gcc, libturbojpeg0-dev, libpng-dev)")
        return None
    return os.path.join(HERE, "floor", "decode_floor")


def commands(a, gp, floor, pipeline, data, work):
    """name -> (argv, out_dir or None)."""
    cmds = {}
    n = str(a.jobs)
    yaml = os.path.join(REPO, "pipelines", f"{pipeline}.yaml")
    if gp and os.path.exists(yaml):
        out = os.path.join(work, "glyphprep")
        cmds["glyphprep"] = ([gp, "run", yaml, data, "-o", out, "--jobs", n], out)
    elif gp:
        log(f"SKIP glyphprep for {pipeline}: {yaml} not found")
    for p in PEERS:
        out = os.path.join(work, p)
        cmds[p] = ([sys.executable, os.path.join(HERE, "peers", f"{p}_peer.py"), data, out,
                    "--jobs", n, "--pipeline", pipeline], out)
    if floor:
        # As the issue defines it: libjpeg-turbo luma-only DCT-scaled, libpng for PNGs.
        cmds["floor"] = ([floor, data, "--jobs", n], None)
        # The stricter floor: PNGs only inflated (libdeflate, as glyphprep does) and unfiltered.
        cmds["floor-deflate"] = ([floor, data, "--jobs", n, "--png-inflate", "libdeflate",
                                  "--name", "floor-deflate"], None)
    return {k: v for k, v in cmds.items() if k in a.only}


def measure(argv, out):
    """One fresh-process run: wall s, CPU s (user+sys of the whole tree),
    peak RSS MB (largest single process of the tree, from wait4)."""
    if out:
        shutil.rmtree(out, ignore_errors=True)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        p = subprocess.run([TIME, "-f", "%U %S %M", "-o", tf.name] + argv,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        fields = tf.read().split()[-3:]
    # glyphprep exits 1 when some files failed (listed in its manifest): the run itself
    # completed, so it is timed like the others.
    if p.returncode not in (0, 1) or (p.returncode == 1 and "glyphprep" not in argv[0]):
        log(f"FAILED (rc={p.returncode}): {' '.join(argv)}\n{p.stderr[-2000:]}")
        return None
    user, sys_, rss_kb = float(fields[0]), float(fields[1]), int(fields[2])
    return dict(wall=wall, cpu=user + sys_, rss=rss_kb / 1024.0)


def warm_cache(data, files):
    for f in files:
        with open(os.path.join(data, f), "rb") as fh:
            while fh.read(1 << 20):
                pass


def quality(outs, files):
    """Mean absolute grey-level difference per file vs the OpenCV peer."""
    ref = outs.get("opencv")
    rows = []
    if not ref:
        return rows
    import cv2
    for name, out in outs.items():
        if name == "opencv" or not out:
            continue
        diffs, missing = [], 0
        for f in files:
            rel = os.path.splitext(f)[0] + ".png"
            x = cv2.imread(os.path.join(out, rel), cv2.IMREAD_GRAYSCALE)
            y = cv2.imread(os.path.join(ref, rel), cv2.IMREAD_GRAYSCALE)
            if x is None or y is None or x.shape != y.shape:
                missing += 1
                continue
            diffs.append(float(np.abs(x.astype(np.int16) - y).mean()))
        if diffs:
            rows.append((name, statistics.mean(diffs), statistics.median(diffs), max(diffs), len(diffs), missing))
        else:
            rows.append((name, None, None, None, 0, missing))
    return rows


def run_pipeline(a, gp, floor, pipeline, data, files, set_name="mixed"):
    work = os.path.join(HERE, "work", "bench", pipeline)
    cmds = commands(a, gp, floor, pipeline, data, work)
    names = list(cmds)
    res = {k: [] for k in names}
    for r in range(a.rounds):
        k = r % len(names)
        order = names[k:] + names[:k]          # rotate ...
        if r % 2:
            order.reverse()                    # ... and alternate direction
        log(f"{pipeline}: round {r + 1}/{a.rounds}: {', '.join(order)}")
        for name in order:
            m = measure(*cmds[name])
            if m:
                res[name].append(m)
                log(f"  {name:10s} {len(files) / m['wall']:8.1f} img/s  wall {m['wall']:.2f}s "
                    f"cpu {m['cpu']:.2f}s rss {m['rss']:.0f}MB")
    med = {k: {f: statistics.median(m[f] for m in v) for f in ("wall", "cpu", "rss")}
           for k, v in res.items() if v}
    base = len(files) / med["glyphprep"]["wall"] if "glyphprep" in med else None
    lines = [f"### pipeline `{pipeline}`, set `{set_name}` ({os.path.relpath(data, REPO)}) — {len(files)} images, "
             f"--jobs {a.jobs}, median of {a.rounds} rounds", "",
             "| contender | images/s | vs glyphprep | CPU s | peak RSS MB | runs ok |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in names:
        if name not in med:
            lines.append(f"| {name} | failed | | | | 0/{a.rounds} |")
            continue
        m = med[name]
        ips = len(files) / m["wall"]
        ratio = f"{ips / base:.2f}x" if base else "n/a"
        lines.append(f"| {name} | {ips:.1f} | {ratio} | {m['cpu']:.2f} | {m['rss']:.0f} | "
                     f"{len(res[name])}/{a.rounds} |")
    if base:
        targets = [("opencv", "≥ 1.3"), ("pillow", "> 1"), ("pyvips", "> 1"), ("floor", "≥ 0.85"),
                   ("floor-deflate", "")]
        parts = [f"÷ {n} **{base / (len(files) / med[n]['wall']):.2f}×**" + (f" (target {t})" if t else "")
                 for n, t in targets if n in med]
        if parts:
            lines += ["", "glyphprep's images/s " + "; ".join(parts) + "."]
    outs = {n: cmds[n][1] for n in med if cmds[n][1]}
    q = quality(outs, files)
    if q:
        lines += ["", "Quality (informational): mean |difference| in grey levels (0-255) of the "
                  "28x28 outputs vs the OpenCV peer, per file:", "",
                  "| contender | mean | median | max | files | missing |", "|---|---:|---:|---:|---:|---:|"]
        for name, mean, medn, mx, cnt, miss in q:
            if mean is None:
                lines.append(f"| {name} | n/a | | | 0 | {miss} |")
            else:
                lines.append(f"| {name} | {mean:.2f} | {medn:.2f} | {mx:.2f} | {cnt} | {miss} |")
    if "glyphprep" not in med:
        lines += ["", "_glyphprep not measured (binary or pipeline missing) — ratios n/a._"]
    return "\n".join(lines)


def machine_info(gp, data):
    def out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = out(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    return (f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}\n"
            f"- machine: nproc {os.cpu_count()}, {model}, {platform.system()} {platform.release()}, "
            f"load avg {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
            f"- libvips {out(['pkg-config', '--modversion', 'vips'])}, "
            f"libjpeg-turbo {out(['pkg-config', '--modversion', 'libturbojpeg'])}, "
            f"libpng {out(['pkg-config', '--modversion', 'libpng'])}, Python {platform.python_version()}\n"
            f"- glyphprep: {gp or 'not available'} (repo {commit}); data: {data}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--glyphprep", help="glyphprep binary (else $GLYPHPREP, else .build/release/glyphprep)")
    ap.add_argument("--count", type=int, default=400, help="images in the generated data set")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pipelines", default="mnist,emnist", help="comma list (default mnist,emnist)")
    ap.add_argument("--only", default=",".join(ALL), help=f"comma list of {','.join(ALL)}")
    ap.add_argument("--subset", type=int, default=0,
                    help="time only every k-th image of each set, N in all (a busy machine; default: all)")
    ap.add_argument("--sets", default="mixed,phone", help=f"comma list of bench sets: {','.join(SETS)} (default both)")
    ap.add_argument("--data", help="use this input dir instead of generating one (one set)")
    ap.add_argument("--no-build", action="store_true", help="never run swift build")
    ap.add_argument("--no-synth", action="store_true", help="data from make_samples.py even if glyphprep exists")
    ap.add_argument("--no-results", action="store_true", help="do not append to bench/RESULTS.md")
    a = ap.parse_args()
    a.only = [x for x in a.only.split(",") if x]
    bad = [x for x in a.only if x not in ALL]
    if bad:
        ap.error(f"unknown contender(s) {bad}; choose from {ALL}")
    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} missing: apt-get install time (bench/run.sh does this)")

    sets = ["given"] if a.data else [x for x in a.sets.split(",") if x]
    bad = [x for x in sets if x not in SETS and not a.data]
    if bad:
        ap.error(f"unknown set(s) {bad}; choose from {list(SETS)}")
    gp = find_glyphprep(a) if "glyphprep" in a.only else None
    floor = build_floor() if any(f in a.only for f in FLOORS) else None
    tables, datas = [], []
    for name in sets:
        data = subset(dataset(a, gp, "mixed" if a.data else name), a.subset)
        files = common.list_images(data)
        if not files:
            sys.exit(f"no images in {data}")
        datas.append(data)
        log(f"set {name}: data {data}: {len(files)} images; jobs {a.jobs}; rounds {a.rounds}")
        warm_cache(data, files)
        tables += [run_pipeline(a, gp, floor, p, data, files, name) for p in a.pipelines.split(",") if p]
    data = ", ".join(os.path.relpath(d, REPO) for d in datas)
    report = "\n\n".join(tables)
    print(report)
    if not a.no_results:
        with open(os.path.join(HERE, "RESULTS.md"), "a") as fh:
            if fh.tell() == 0:
                fh.write("# Benchmark results\n\nAppended by bench/run.sh; newest last. "
                         "See bench/README.md for how to read them.\n")
            fh.write(f"\n## Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n\n"
                     f"{machine_info(gp, data)}\n\n{report}\n")
        log("appended to bench/RESULTS.md")


if __name__ == "__main__":
    main()
