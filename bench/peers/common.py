"""Shared parts of the peer implementations of pipelines/mnist.yaml.

The three peers (OpenCV, Pillow, pyvips) differ only in how they decode,
resize and encode; everything between decode and resize lives here so the
arithmetic is identical:

  border polarity -> percentile normalize -> sigmoid LUT -> ink bbox ->
  (peer resize to fit 20x20) -> pad 28x28 -> centre-of-mass shift.

Normalize + sigmoid are folded into one 256-entry LUT per image.
"""
import argparse
import json
import os
import struct
import sys
import time
from multiprocessing import Pool

import numpy as np

# Parameters of pipelines/mnist.yaml as described in the project brief.
MIN_SIDE = 320            # shrink-on-load keeps the short side >= this (glyphprep: 16 × the 20 px box)
SHRINK_FACTORS = (8, 4, 2, 1)
BORDER_FRAC = 0.02        # border strip used for polarity
LOW_PCT, HIGH_PCT = 1.0, 99.8
SIGMOID_GAIN, SIGMOID_MID = 25.0, 0.5
INK_THRESHOLD = 64        # bbox: pixels > this (after LUT) are ink
FIT = 20                  # glyph fits in FIT x FIT ...
SIZE = 28                 # ... padded to SIZE x SIZE
EMNIST_PAD = 2            # emnist: square ROI + 2 px, resized to 28x28

JPEG_EXT = (".jpg", ".jpeg")
IMAGE_EXT = JPEG_EXT + (".png",)


def is_jpeg(path):
    return path.lower().endswith(JPEG_EXT)


def shrink_factor(w, h):
    """Largest of 8/4/2/1 keeping the short side >= MIN_SIDE (same rule as
    glyphprep's JPEG shrink-on-load and the C decode floor)."""
    short = min(w, h)
    for f in SHRINK_FACTORS:
        if short // f >= MIN_SIDE:
            return f
    return 1


def image_size(path):
    """(width, height) from the JPEG SOF or PNG IHDR header, no decode."""
    with open(path, "rb") as fh:
        head = fh.read(24)
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            return struct.unpack(">II", head[16:24])
        if head[:2] != b"\xff\xd8":
            raise ValueError(f"{path}: not JPEG/PNG")
        fh.seek(2)
        while True:
            b = fh.read(1)
            while b and b != b"\xff":
                b = fh.read(1)
            while b == b"\xff":
                b = fh.read(1)
            if not b:
                raise ValueError(f"{path}: no SOF marker")
            m = b[0]
            if m in (0xD8, 0x01) or 0xD0 <= m <= 0xD7:
                continue
            (length,) = struct.unpack(">H", fh.read(2))
            if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
                _, h, w = struct.unpack(">BHH", fh.read(5))
                return w, h
            fh.seek(length - 2, 1)


def _sigmoid_lut():
    x = np.arange(256, dtype=np.float64) / 255.0
    s = 1.0 / (1.0 + np.exp(-SIGMOID_GAIN * (x - SIGMOID_MID)))
    s0 = 1.0 / (1.0 + np.exp(SIGMOID_GAIN * SIGMOID_MID))
    s1 = 1.0 / (1.0 + np.exp(-SIGMOID_GAIN * (1.0 - SIGMOID_MID)))
    return (s - s0) / (s1 - s0) * 255.0


SIGMOID = _sigmoid_lut()
IDENT = np.arange(256, dtype=np.float64)


def border_is_light(g):
    h, w = g.shape
    b = max(1, int(round(min(h, w) * BORDER_FRAC)))
    strips = (g[:b].ravel(), g[-b:].ravel(), g[:, :b].ravel(), g[:, -b:].ravel())
    return float(np.concatenate(strips).mean()) > 127.5


def tone_lut(g, invert):
    """One LUT = invert (optional) -> percentile auto-levels -> sigmoid."""
    hist = np.bincount(g.ravel(), minlength=256)
    if invert:
        hist = hist[::-1]
    cum = np.cumsum(hist)
    n = cum[-1]
    lo = int(np.searchsorted(cum, n * LOW_PCT / 100.0))
    hi = int(np.searchsorted(cum, n * HIGH_PCT / 100.0))
    src = 255.0 - IDENT if invert else IDENT
    if hi > lo:
        src = np.clip((src - lo) * (255.0 / (hi - lo)), 0, 255)
    return np.rint(np.interp(src, IDENT, SIGMOID)).astype(np.uint8)


def ink_bbox(g):
    mask = g > INK_THRESHOLD
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def _fit(a, h, w):
    """Force exactly h x w (some resizers are off by one)."""
    out = np.zeros((h, w), np.uint8)
    hh, ww = min(h, a.shape[0]), min(w, a.shape[1])
    out[:hh, :ww] = a[:hh, :ww]
    return out


def com_shift(a):
    """Integer shift (zero fill) putting the centre of mass at the centre."""
    total = float(a.sum())
    if total == 0:
        return a
    ys, xs = np.indices(a.shape)
    c = (a.shape[0] - 1) / 2.0
    dy = int(round(c - float((ys * a).sum()) / total))
    dx = int(round(c - float((xs * a).sum()) / total))
    out = np.zeros_like(a)
    h, w = a.shape
    ys0, yd0 = max(0, -dy), max(0, dy)
    xs0, xd0 = max(0, -dx), max(0, dx)
    hh, ww = h - abs(dy), w - abs(dx)
    if hh > 0 and ww > 0:
        out[yd0:yd0 + hh, xd0:xd0 + ww] = a[ys0:ys0 + hh, xs0:xs0 + ww]
    return out


def glyph(g, resize, pipeline="mnist"):
    """Gray uint8 image (already shrunk) -> 28x28 uint8, white ink on black.
    resize(arr, w, h) is the peer's resizer (area for down, cubic for up)."""
    g = tone_lut(g, border_is_light(g))[g]
    box = ink_bbox(g)
    if box is None:
        return np.zeros((SIZE, SIZE), np.uint8)
    y0, y1, x0, x1 = box
    crop = np.ascontiguousarray(g[y0:y1, x0:x1])
    h, w = crop.shape
    if pipeline == "emnist":
        side = max(h, w) + 2 * EMNIST_PAD
        sq = np.zeros((side, side), np.uint8)
        oy, ox = (side - h) // 2, (side - w) // 2
        sq[oy:oy + h, ox:ox + w] = crop
        return _fit(resize(sq, SIZE, SIZE), SIZE, SIZE)
    s = FIT / max(h, w)
    nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    small = _fit(resize(crop, nw, nh), nh, nw)
    out = np.zeros((SIZE, SIZE), np.uint8)
    oy, ox = (SIZE - nh) // 2, (SIZE - nw) // 2
    out[oy:oy + nh, ox:ox + nw] = small
    return com_shift(out)


def list_images(root):
    files = []
    for d, _, names in os.walk(root):
        for n in names:
            if n.lower().endswith(IMAGE_EXT):
                files.append(os.path.relpath(os.path.join(d, n), root))
    files.sort()
    return files


_JOB = {}


def _init(peer, in_dir, out_dir, pipeline):
    if peer.get("init"):
        peer["init"]()
    _JOB.update(peer=peer, in_dir=in_dir, out_dir=out_dir, pipeline=pipeline)


def _one(rel):
    p = _JOB["peer"]
    try:
        g = p["decode"](os.path.join(_JOB["in_dir"], rel))
        out = glyph(g, p["resize"], _JOB["pipeline"])
        dst = os.path.join(_JOB["out_dir"], os.path.splitext(rel)[0] + ".png")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        p["encode"](out, dst)
        return None
    except Exception as e:  # report, keep going
        return f"{rel}: {e}"


def main(name, decode, resize, encode, init=None):
    ap = argparse.ArgumentParser(description=f"{name} peer of glyphprep run")
    ap.add_argument("input_dir")
    ap.add_argument("output_dir")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--pipeline", default="mnist", choices=("mnist", "emnist"))
    a = ap.parse_args()
    t0 = time.perf_counter()
    files = list_images(a.input_dir)
    os.makedirs(a.output_dir, exist_ok=True)
    peer = dict(decode=decode, resize=resize, encode=encode, init=init)
    args = (peer, a.input_dir, a.output_dir, a.pipeline)
    chunk = max(1, min(32, len(files) // (a.jobs * 8) or 1))
    if a.jobs <= 1:
        _init(*args)
        errors = [e for e in map(_one, files) if e]
    else:
        with Pool(a.jobs, initializer=_init, initargs=args) as pool:
            errors = [e for e in pool.imap_unordered(_one, files, chunk) if e]
    wall = time.perf_counter() - t0
    for e in errors[:10]:
        print("error:", e, file=sys.stderr)
    print(json.dumps(dict(contender=name, pipeline=a.pipeline, jobs=a.jobs,
                          images=len(files) - len(errors), errors=len(errors),
                          wall_s=round(wall, 3),
                          images_per_s=round((len(files) - len(errors)) / wall, 1) if wall else None)))
    return 1 if errors and len(errors) == len(files) else 0
