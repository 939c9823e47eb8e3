#!/usr/bin/env python3
"""onnxruntime baseline for bench/ONNX_RESULTS.md: images/s of the fixture models, batch 64, one thread.

pip install onnxruntime numpy
python3 bench/onnx_bench.py            # same models and loop as the Swift ONNXBenchmark test
"""
import os
import sys
import time

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "ONNXRuntimeTests", "Fixtures")
BATCH = 64
SECONDS = 3.0


def bench(name, optimized):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if not optimized:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(os.path.join(FIXTURES, name + ".onnx"), opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [BATCH] + [d for d in inp.shape[1:]]
    x = (np.random.default_rng(1).integers(0, 1000, size=shape) / 1000).astype(np.float32)
    for _ in range(5):
        sess.run(None, {inp.name: x})
    runs = 0
    start = time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        sess.run(None, {inp.name: x})
        runs += 1
    secs = time.perf_counter() - start
    label = "default graph optimizations" if optimized else "optimizations disabled"
    print(f"onnxruntime {ort.__version__} {name} batch {BATCH} ({label}): {runs} runs in {secs:.2f} s = "
          f"{runs * BATCH / secs:.0f} images/s")


if __name__ == "__main__":
    for model in sys.argv[1:] or ["cnn_small", "dense_keras"]:
        bench(model, True)
        bench(model, False)
