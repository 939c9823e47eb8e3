#!/usr/bin/env python3
"""Synthetic shard manifests (and the tree they describe) for measuring `glyphprep merge` and
`glyphprep run --resume` at scale without processing any image.

    scripts/synth-manifests.py --files 10000000 --shards 64 --pipeline pipelines/emnist.yaml \
        --input /tmp/bench/scans --merge-dir /tmp/bench/merge --resume-dir /tmp/bench/resume

- INPUT: FILES input names in directories of PER_DIR (`d0000/s0000.png`, …): the first
  directory holds PER_DIR tiny valid 28x28 PNGs, every other one is `cp -al` of it (hard links;
  ext4 allows 65000 per inode), so 10 million names cost directory entries, not inodes or data.
  Skipped with --no-tree when INPUT already holds them. With --bind, d0001… are left empty
  for `mount --bind d0000 dNNNN` in a private mount namespace (scripts/bench-stream.sh): the
  same names without 10 million link() calls (an hour or more on a loaded 2-core machine).
- MERGE_DIR: `manifest-I-of-N.jsonl` and `run-I-of-N.json` as N shards of `glyphprep run
  --shard I/N` would have left them (each file in the shard its path hashes to, FNV-1a 64), plus
  `expected-manifest.jsonl`: every line in walk order, what `glyphprep merge` must write.
- RESUME_DIR: a finished `manifest.jsonl` and `run.json` over all FILES, every line `ok`. Its
  output directories `dNNNN` are symbolic links to the input's, whose files are valid 28x28
  PNGs: `--resume` finds every output intact (it opens each and reads its header) and reuses
  every file, and no second tree of 10 million names is needed.

Lines look like real ones (bbox, prediction, top 3: about 250 bytes); --errors F makes a
fraction F of them failures instead (in the shard manifests only).
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess
import zlib

FNV_OFFSET, FNV_PRIME, MASK = 0xcbf29ce484222325, 0x100000001b3, (1 << 64) - 1


def fnv1a64(data, h=FNV_OFFSET):
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & MASK
    return h


def png(side):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + bytes(side) for _ in range(side))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def names(files, per_dir):
    """(input, output) relative paths in walk order (fixed-width names: byte order is walk order)."""
    width = len(str(per_dir - 1))
    for n in range(files):
        path = "d%04d/s%0*d.png" % (n // per_dir, width, n % per_dir)
        yield path, path


def line(n, path, output, error):
    if error:
        return ('{"input":%s,"status":"error","error":{"code":"no_ink","message":"no ink found (synthetic)"}}'
                % json.dumps(path))
    letters = "abcdefghijklmnopqrstuvwxyz"
    a, b, c = letters[n % 26], letters[(n * 7 + 3) % 26], letters[(n * 11 + 5) % 26]
    return ('{"input":%s,"status":"ok","output":%s,"width":%d,"height":%d,'
            '"bbox":{"x":%d,"y":%d,"width":%d,"height":%d},"prediction":"%s",'
            '"top":[{"label":"%s","p":0.%06d},{"label":"%s","p":0.%06d},{"label":"%s","p":0.%06d}]}'
            % (json.dumps(path), json.dumps(output), 400 + n % 600, 300 + n % 500, n % 97, n % 89,
               50 + n % 300, 60 + n % 250, a, a, 900000 + n % 99999, b, n % 90000, c, n % 9000))


def make_tree(root, files, per_dir, bind):
    width = len(str(per_dir - 1))
    first = os.path.join(root, "d0000")
    os.makedirs(first, exist_ok=True)
    image = png(28)
    for n in range(per_dir):
        with open(os.path.join(first, "s%0*d.png" % (width, n)), "wb") as f:
            f.write(image)
    for d in range(1, files // per_dir):
        if bind:
            os.makedirs(os.path.join(root, "d%04d" % d), exist_ok=True)
        else:
            subprocess.run(["cp", "-al", first, os.path.join(root, "d%04d" % d)], check=True)


def run_info(pipeline, input_dir, shard):
    with open(pipeline, "rb") as f:
        text = f.read()
    name = os.path.splitext(os.path.basename(pipeline))[0]
    for raw in text.decode("utf-8").splitlines():
        if raw.startswith("name:"):
            name = raw.split(":", 1)[1].split("#")[0].strip().strip("'\"")
    info = [("pipeline", name), ("pipeline_sha256", hashlib.sha256(text).hexdigest()), ("glyphprep", "0.1.0"),
            ("input", os.path.realpath(input_dir)), ("image_size", 28), ("format", "png")]
    if shard:
        info.append(("shard", shard))
    return json.dumps(dict(info), separators=(",", ":"), ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000_000)
    parser.add_argument("--per-dir", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=64)
    parser.add_argument("--errors", type=float, default=0.0)
    parser.add_argument("--pipeline", default="pipelines/emnist.yaml")
    parser.add_argument("--input", required=True)
    parser.add_argument("--no-tree", action="store_true", help="INPUT already holds the names")
    parser.add_argument("--bind", action="store_true",
                        help="make d0001… empty, to bind-mount d0000 on each (scripts/bench-stream.sh)")
    parser.add_argument("--merge-dir")
    parser.add_argument("--resume-dir")
    args = parser.parse_args()

    if args.files % args.per_dir:
        parser.error("--files must be a multiple of --per-dir")
    if not args.no_tree:
        make_tree(args.input, args.files, args.per_dir, args.bind)
    shards, expected, full = [], None, None
    if args.merge_dir:
        os.makedirs(args.merge_dir, exist_ok=True)
        shards = [open(os.path.join(args.merge_dir, "manifest-%d-of-%d.jsonl" % (i, args.shards)), "w",
                       buffering=1 << 20) for i in range(args.shards)]
        expected = open(os.path.join(args.merge_dir, "expected-manifest.jsonl"), "w", buffering=1 << 20)
        for i in range(args.shards):
            with open(os.path.join(args.merge_dir, "run-%d-of-%d.json" % (i, args.shards)), "w") as f:
                f.write(run_info(args.pipeline, args.input, "%d/%d" % (i, args.shards)))
    if args.resume_dir:
        os.makedirs(args.resume_dir, exist_ok=True)
        full = open(os.path.join(args.resume_dir, "manifest.jsonl"), "w", buffering=1 << 20)
        with open(os.path.join(args.resume_dir, "run.json"), "w") as f:
            f.write(run_info(args.pipeline, args.input, None))
        for d in range(args.files // args.per_dir):
            link = os.path.join(args.resume_dir, "d%04d" % d)
            if not os.path.lexists(link):
                os.symlink(os.path.join(os.path.realpath(args.input), "d%04d" % d), link)
    period = int(round(1 / args.errors)) if args.errors > 0 else 0
    for n, (path, output) in enumerate(names(args.files, args.per_dir)):
        ok = line(n, path, output, False) + "\n"
        if shards:
            text = line(n, path, output, True) + "\n" if period and n % period == period - 1 else ok
            if n % args.per_dir == 0:
                prefix = fnv1a64(path[:6].encode())
            shards[fnv1a64(path[6:].encode(), prefix) % args.shards].write(text)
            expected.write(text)
        if full:
            full.write(ok)
    for f in shards + [x for x in (expected, full) if x]:
        f.close()
    print("wrote %d names" % args.files)


if __name__ == "__main__":
    main()
