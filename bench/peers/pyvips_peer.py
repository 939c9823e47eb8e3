#!/usr/bin/env python3
"""pyvips peer: jpegload shrink=f (libjpeg DCT scaling), shrink (box) for PNG,
Rec.601 recomb to one band, vips resize (box+cubic), pngsave."""
import sys

import numpy as np
import pyvips

import common

LUMA = [[0.299, 0.587, 0.114]]


def init():
    pyvips.cache_set_max(0)  # no operation cache across files
    pyvips.vips_lib.vips_concurrency_set(1)  # one thread per worker process, like --jobs


def decode(path):
    im = pyvips.Image.new_from_file(path, access="sequential")
    f = common.shrink_factor(im.width, im.height)
    if f > 1:
        if common.is_jpeg(path):
            im = pyvips.Image.new_from_file(path, access="sequential", shrink=f)
        else:
            im = im.shrink(f, f)
    if im.hasalpha():
        im = im[:-1]
    if im.bands >= 3:
        im = (im[0:3].recomb(LUMA) + 0.5).cast("uchar")
    return np.ndarray(buffer=im.write_to_memory(), dtype=np.uint8, shape=(im.height, im.width))


def resize(a, w, h):
    im = pyvips.Image.new_from_memory(a.tobytes(), a.shape[1], a.shape[0], 1, "uchar")
    im = im.resize(w / a.shape[1], vscale=h / a.shape[0], kernel="cubic")
    return np.ndarray(buffer=im.write_to_memory(), dtype=np.uint8, shape=(im.height, im.width))


def encode(a, path):
    im = pyvips.Image.new_from_memory(a.tobytes(), a.shape[1], a.shape[0], 1, "uchar")
    im.pngsave(path)


if __name__ == "__main__":
    sys.exit(common.main("pyvips", decode, resize, encode, init))
