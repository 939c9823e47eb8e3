#!/usr/bin/env python3
"""onnxruntime baseline for bench/ONNX_RESULTS.md: images/s of the fixture models, batch 64, one thread.

pip install onnxruntime numpy
python3 bench/onnx_bench.py            # same models and loop as the Swift ONNXBenchmark test
python3 bench/onnx_bench.py --speed-cases   # issue 23: letters.onnx batch 32, ResNet-50 batch 1 (ONNXSpeedCases)
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


def speed_case(name, batch):
    """Mean / median / min milliseconds per run, one thread, default graph optimizations; the loop and
    input generator (SplitMix64 seed 1, (next() % 1000) / 1000) of the Swift ONNXSpeedCases test."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_light_references import light_dir, splitmix_input
    path = os.path.join(ROOT, "models", "letters.onnx") if name == "letters" else os.path.join(light_dir(), f"light_{name}.onnx")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    x = splitmix_input([batch] + list(inp.shape[1:]))
    for _ in range(3):
        sess.run(None, {inp.name: x})
    times, cpu = [], []
    start = time.perf_counter()
    while time.perf_counter() - start < 5 or len(times) < 5:
        t0, c0 = time.perf_counter(), time.thread_time()
        sess.run(None, {inp.name: x})
        cpu.append((time.thread_time() - c0) * 1000)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    cpu.sort()
    print(f"onnxruntime {ort.__version__} {name} batch {batch}: {len(times)} runs, wall mean {sum(times) / len(times):.2f} ms, "
          f"median {times[len(times) // 2]:.2f} ms, min {times[0]:.2f} ms; "
          f"thread CPU median {cpu[len(cpu) // 2]:.2f} ms, min {cpu[0]:.2f} ms")


if __name__ == "__main__":
    if sys.argv[1:] == ["--speed-cases"]:
        speed_case("letters", 32)
        speed_case("resnet50", 1)
        sys.exit(0)
    for model in sys.argv[1:] or ["cnn_small", "dense_keras"]:
        bench(model, True)
        bench(model, False)
