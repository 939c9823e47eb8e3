#!/usr/bin/env python3
"""OpenCV peer: libjpeg DCT-domain reduced grayscale decode (IMREAD_REDUCED_GRAYSCALE_f,
f from the header size by the shared shrink rule), INTER_AREA / INTER_CUBIC resize."""
import sys

import cv2

import common

FLAGS = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
         4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}


def init():
    cv2.setNumThreads(1)  # one thread per worker process, like --jobs


def decode(path):
    # For PNG, OpenCV decodes full size and area-reduces by f itself.
    g = cv2.imread(path, FLAGS[common.shrink_factor(*common.image_size(path))])
    if g is None:
        raise ValueError("cv2.imread failed")
    return g


def resize(a, w, h):
    down = w <= a.shape[1] and h <= a.shape[0]
    return cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA if down else cv2.INTER_CUBIC)


def encode(a, path):
    if not cv2.imwrite(path, a):
        raise ValueError("cv2.imwrite failed")


if __name__ == "__main__":
    sys.exit(common.main("opencv", decode, resize, encode, init))
