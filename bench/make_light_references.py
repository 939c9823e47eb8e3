#!/usr/bin/env python3
"""onnxruntime references for the nine model-zoo architectures in the onnx wheel's backend/test/data/light.

pip install onnx onnxruntime numpy
python3 bench/make_light_references.py   # writes Tests/ONNXRuntimeTests/Fixtures/light/references.json

The models themselves are not committed (LightModelTests finds them in the installed onnx package or
$GLYPHPREP_ONNX_TESTDATA/light and skips without them). Input: [1, 3, 224, 224] from SplitMix64(seed 1),
element = (next() % 1000) / 1000, the generator the Swift tests use. Besides the final output, a probe of
the first Conv's output (every 997th element) is stored: the light models' weights are constants, so their
softmax outputs are nearly uniform and the probe is what checks padding, strides and the input path.
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ONNXRuntimeTests", "Fixtures", "light", "references.json")
NAMES = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet", "squeezenet",
         "vgg19", "zfnet512"]
PROBE_STRIDE = 997
MASK = (1 << 64) - 1


def splitmix_input(shape, seed=1):
    state = seed
    out = np.empty(int(np.prod(shape)), np.float32)
    for i in range(out.size):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z = z ^ (z >> 31)
        out[i] = (z % 1000) / 1000
    return out.reshape(shape)


def light_dir():
    env = os.environ.get("GLYPHPREP_ONNX_TESTDATA")
    if env and os.path.isdir(os.path.join(env, "light")):
        return os.path.join(env, "light")
    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")


def main():
    x = splitmix_input((1, 3, 224, 224))
    refs = {}
    for name in NAMES:
        path = os.path.join(light_dir(), f"light_{name}.onnx")
        model = onnx.load(path)
        inits = {i.name for i in model.graph.initializer}
        inp = [i.name for i in model.graph.input if i.name not in inits][0]
        probe = next(n.output[0] for n in model.graph.node if n.op_type == "Conv")
        model.graph.output.append(onnx.helper.make_empty_tensor_value_info(probe))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        out_name = model.graph.output[0].name
        y, p = sess.run([out_name, probe], {inp: x})
        flat = p.reshape(-1)
        refs[name] = {
            "input": inp, "output": out_name, "shape": list(y.shape), "data": [float(f"{v:.8g}") for v in y.reshape(-1)],
            "probe": probe, "probe_shape": list(p.shape), "probe_stride": PROBE_STRIDE,
            "probe_data": [float(f"{v:.8g}") for v in flat[::PROBE_STRIDE]],
        }
        print(f"{name}: output {y.shape} range {y.min():.6g}..{y.max():.6g}; probe {probe} {p.shape}")
    with open(OUT, "w") as fh:
        json.dump({"onnxruntime": ort.__version__, "seed": 1, "models": refs}, fh, separators=(",", ":"))
    print(f"wrote {OUT} ({os.path.getsize(OUT) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
