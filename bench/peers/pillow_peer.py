#!/usr/bin/env python3
"""Pillow peer: Image.draft("L", size) (libjpeg DCT scaling + grayscale out),
Image.reduce(f) for PNG, BOX / BICUBIC resize."""
import sys

import numpy as np
from PIL import Image

import common


def decode(path):
    with Image.open(path) as im:
        w, h = im.size
        f = common.shrink_factor(w, h)
        if im.format == "JPEG":
            im.draft("L", (w // f, h // f))  # picks scale 1/f here
        if im.mode not in ("L", "RGB"):
            im = im.convert("RGB")
        im = im.convert("L")  # ITU-R 601 luma; no-op when draft gave L
        if f > 1 and im.size == (w, h):  # not shrunk on load (PNG)
            im = im.reduce(f)
        return np.asarray(im)


def resize(a, w, h):
    down = w <= a.shape[1] and h <= a.shape[0]
    im = Image.fromarray(a).resize((w, h), Image.Resampling.BOX if down else Image.Resampling.BICUBIC)
    return np.asarray(im)


def encode(a, path):
    Image.fromarray(a).save(path, "PNG")


if __name__ == "__main__":
    sys.exit(common.main("pillow", decode, resize, encode))
