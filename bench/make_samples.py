#!/usr/bin/env python3
"""Deterministic stand-in scans: a dark letter on light noisy paper.

Used to test the peers and the floor without glyphprep, as the fallback
data set when `glyphprep synth` is not available, and by scale.sh.
  make_samples.py OUT --count N [--seed S] [--min-size A --max-size B]
  make_samples.py OUT --big 12000x9000      (one huge JPEG via pyvips)
Mix: ~70% colour JPEG, ~15% gray JPEG, ~15% PNG (name prefix shows which).
"""
import argparse
import csv
import os
import random
import string

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"]


def font(size, i):
    for f in FONTS[i % len(FONTS):] + FONTS:
        if os.path.exists(f):
            return ImageFont.truetype(f, size)
    return ImageFont.load_default(size=size)


def scan(rng, w, h, letter, i):
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    paper = np.array([rng.randint(215, 245) for _ in range(3)], np.float32)
    im = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(im)
    size = int(min(w, h) * rng.uniform(0.35, 0.7))
    x = rng.randint(0, max(1, w - size)) + size // 8
    y = rng.randint(0, max(1, h - size)) - size // 8
    d.text((x, y), letter, fill=255, font=font(size, i))
    ink = np.asarray(im.filter(ImageFilter.GaussianBlur(max(1, size // 200))), np.float32)[..., None] / 255
    inkcol = np.array([rng.randint(20, 60), rng.randint(20, 60), rng.randint(60, 110)], np.float32)
    rgb = paper * (1 - ink) + inkcol * ink
    rgb += nrng.normal(0, 4, (h, w, 1)).astype(np.float32)             # grain
    rgb *= np.linspace(1.0, rng.uniform(0.85, 1.0), w, dtype=np.float32)[None, :, None]  # shading
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def big(out, spec):
    import pyvips
    w, h = map(int, spec.lower().split("x"))
    bg = pyvips.Image.gaussnoise(w, h, mean=230, sigma=6)
    txt = pyvips.Image.text("A", dpi=int(min(w, h) * 2.6), font="sans bold")
    txt = txt.embed((w - txt.width) // 2, (h - txt.height) // 2, w, h)
    im = (bg * (1 - txt / 255.0) + 40 * (txt / 255.0)).cast("uchar")
    im = im.bandjoin([im, im * 0.9 + 10]).cast("uchar").copy(interpretation="srgb")
    path = os.path.join(out, f"big-{w}x{h}.jpg")
    os.makedirs(out, exist_ok=True)
    im.jpegsave(path, Q=90)
    print(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--min-size", type=int, default=1500)
    ap.add_argument("--max-size", type=int, default=3000)
    ap.add_argument("--big", help="WxH: write one huge JPEG with pyvips instead")
    ap.add_argument("--jpeg-only", action="store_true", help="colour JPEGs only (the phone-photo set)")
    a = ap.parse_args()
    if a.big:
        return big(a.out, a.big)
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    rows = []
    for i in range(a.count):
        letter = rng.choice(string.ascii_letters)
        w = rng.randint(a.min_size, a.max_size)
        h = min(a.max_size, int(w * rng.uniform(1.0, 1.42))) if rng.random() < 0.7 else rng.randint(a.min_size, a.max_size)
        im = scan(rng, w, h, letter, i)
        r = rng.random()
        if r < 0.70 or a.jpeg_only:
            name = f"rgb-{i:05d}.jpg"; im.save(os.path.join(a.out, name), quality=rng.randint(80, 95))
        elif r < 0.85:
            name = f"gray-{i:05d}.jpg"; im.convert("L").save(os.path.join(a.out, name), quality=90)
        else:
            name = f"png-{i:05d}.png"; im.save(os.path.join(a.out, name), compress_level=6)
        rows.append((name, letter))
    with open(os.path.join(a.out, "labels.csv"), "w", newline="") as fh:
        csv.writer(fh).writerows([("file", "label")] + rows)
    print(f"{a.count} files in {a.out}")


if __name__ == "__main__":
    main()
