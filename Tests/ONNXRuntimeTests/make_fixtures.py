#!/usr/bin/env python3
"""Generates the ONNXRuntimeTests fixtures: small .onnx models plus inputs and reference outputs.

Requires: pip install onnx onnxruntime numpy   (fixtures were generated with onnx 1.23.2, onnxruntime 1.32.0)
Run from anywhere:  python3 Tests/ONNXRuntimeTests/make_fixtures.py
For every case NAME it writes Fixtures/NAME.onnx and Fixtures/NAME.json:
  {"inputs": [{"name", "shape", "data"}], "outputs": [{"name", "shape", "data"}]}
where outputs are computed by onnxruntime (CPU, one thread). The Swift tests never need Python.
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "Fixtures")
rng = np.random.default_rng(20261129)
CASES = []


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def case(name, nodes, inputs, outputs, inits=(), opset=13, feeds=None, meta=None, producer="glyphprep-fixtures"):
    """inputs: list of (name, declared shape, concrete array); an output shape of None is taken from onnxruntime."""
    if any(s is None for _, s in outputs):
        g = helper.make_graph(nodes, name, [vi(n, s) for n, s, _ in inputs],
                              [helper.make_empty_tensor_value_info(n) for n, _ in outputs], list(inits))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        res = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(
            None, {n: a for n, _, a in inputs})
        outputs = [(n, s if s is not None else list(r.shape)) for (n, s), r in zip(outputs, res)]
    graph = helper.make_graph(nodes, name, [vi(n, s) for n, s, _ in inputs],
                              [vi(n, s) for n, s in outputs], list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name=producer)
    model.ir_version = 8
    if meta:
        helper.set_model_props(model, meta)
    onnx.checker.check_model(model)
    CASES.append((name, model, {n: a for n, _, a in inputs}))


def write_all():
    os.makedirs(OUT, exist_ok=True)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    for name, model, feeds in CASES:
        data = model.SerializeToString()
        with open(os.path.join(OUT, name + ".onnx"), "wb") as fh:
            fh.write(data)
        sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        results = sess.run(names, feeds)

        def enc(n, a):
            a = np.asarray(a, dtype=np.float32)
            return {"name": n, "shape": list(a.shape), "data": [float(str(v)) for v in a.reshape(-1)]}

        doc = {"inputs": [enc(n, a) for n, a in feeds.items()],
               "outputs": [enc(n, r) for n, r in zip(names, results)]}
        with open(os.path.join(OUT, name + ".json"), "w") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        print(f"{name}: outputs {[list(np.shape(r)) for r in results]}")


N = "N"

# --- Keras-style dense net: [N,28,28] -> Reshape(-1,784) -> MatMul/Add/Relu -> MatMul/Add -> Softmax (26 classes)
case("dense_keras",
     [helper.make_node("Reshape", ["input", "flat_shape"], ["flat"], name="flatten"),
      helper.make_node("MatMul", ["flat", "W1"], ["h1"], name="dense_1/MatMul"),
      helper.make_node("Add", ["h1", "b1"], ["h1b"], name="dense_1/BiasAdd"),
      helper.make_node("Relu", ["h1b"], ["h1r"], name="dense_1/Relu"),
      helper.make_node("MatMul", ["h1r", "W2"], ["h2"], name="dense_2/MatMul"),
      helper.make_node("Add", ["h2", "b2"], ["logits"], name="dense_2/BiasAdd"),
      helper.make_node("Softmax", ["logits"], ["probs"], name="dense_2/Softmax", axis=-1)],
     [("input", [N, 28, 28], np.abs(f32(4, 28, 28)))],
     [("probs", [N, 26])],
     [init("flat_shape", np.array([-1, 784], np.int64)), init("W1", f32(784, 32, scale=0.05)), init("b1", f32(32, scale=0.1)),
      init("W2", f32(32, 26, scale=0.3)), init("b2", f32(26, scale=0.1))],
     meta={"labels": "abcdefghijklmnopqrstuvwxyz", "source": "keras-style"})

# --- Small CNN: Conv/BN/Relu/MaxPool x2 -> Flatten -> Gemm -> Softmax, input [N,1,28,28]
cnn_nodes = [
    helper.make_node("Conv", ["input", "c1w", "c1b"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn1"], name="bn1", epsilon=1e-3),
    helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
    helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["p1", "c2w", "c2b"], ["c2"], name="conv2", kernel_shape=[3, 3]),
    helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
    helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["p2"], ["flat"], name="flatten", axis=1),
    helper.make_node("Gemm", ["flat", "fcw", "fcb"], ["logits"], name="fc", transB=1),
    helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
]
cnn_inits = [init("c1w", f32(8, 1, 3, 3, scale=0.5)), init("c1b", f32(8, scale=0.1)),
             init("bn_s", np.abs(f32(8)) + 0.5), init("bn_b", f32(8, scale=0.1)), init("bn_m", f32(8, scale=0.1)),
             init("bn_v", np.abs(f32(8)) + 0.5),
             init("c2w", f32(16, 8, 3, 3, scale=0.2)), init("c2b", f32(16, scale=0.1)),
             init("fcw", f32(26, 16 * 6 * 6, scale=0.1)), init("fcb", f32(26, scale=0.1))]
case("cnn_small", cnn_nodes, [("input", [N, 1, 28, 28], np.abs(f32(3, 1, 28, 28)))], [("probs", [N, 26])], cnn_inits,
     meta={"labels": "abcdefghijklmnopqrstuvwxyz"})

# NHWC variant [N,28,28,1] (Transpose first), opset 11 (legacy Softmax), ends in LogSoftmax
case("cnn_nhwc",
     [helper.make_node("Transpose", ["input"], ["nchw"], perm=[0, 3, 1, 2])] +
     [helper.make_node(n.op_type, ["nchw" if i == "input" else i for i in n.input], n.output, name=n.name,
                       **{a.name: helper.get_attribute_value(a) for a in n.attribute}) for n in cnn_nodes[:-1]] +
     [helper.make_node("LogSoftmax", ["logits"], ["logp"], name="logsoftmax")],
     [("input", [N, 28, 28, 1], np.abs(f32(2, 28, 28, 1)))], [("logp", [N, 26])], cnn_inits, opset=11)

# --- Gemm / MatMul
case("gemm_trans_bias_vector",
     [helper.make_node("Gemm", ["a", "b", "c"], ["y"], alpha=0.5, beta=2.0, transA=1, transB=1)],
     [("a", [4, 3], f32(4, 3)), ("b", [5, 4], f32(5, 4))], [("y", [3, 5])], [init("c", f32(5))])
case("gemm_bias_column",
     [helper.make_node("Gemm", ["a", "b", "c"], ["y"])],
     [("a", [3, 4], f32(3, 4)), ("b", [4, 5], f32(4, 5))], [("y", [3, 5])], [init("c", f32(3, 1))])
case("gemm_no_bias",
     [helper.make_node("Gemm", ["a", "b"], ["y"], transB=1)],
     [("a", [2, 6], f32(2, 6))], [("y", [2, 3])], [init("b", f32(3, 6))])
case("matmul_batched",
     [helper.make_node("MatMul", ["a", "b"], ["y"])],
     [("a", [2, 3, 4, 5], f32(2, 3, 4, 5)), ("b", [5, 6], f32(5, 6))], [("y", [2, 3, 4, 6])])
case("matmul_broadcast",
     [helper.make_node("MatMul", ["a", "b"], ["y"])],
     [("a", [2, 1, 3, 4], f32(2, 1, 3, 4)), ("b", [5, 4, 2], f32(5, 4, 2))], [("y", [2, 5, 3, 2])])
case("matmul_vector",
     [helper.make_node("MatMul", ["a", "b"], ["y"])],
     [("a", [4], f32(4)), ("b", [2, 4, 3], f32(2, 4, 3))], [("y", [2, 3])])

# --- element-wise with broadcasting
case("add_broadcast", [helper.make_node("Add", ["a", "b"], ["y"])],
     [("a", [2, 3, 4], f32(2, 3, 4)), ("b", [3, 1], f32(3, 1))], [("y", [2, 3, 4])])
case("sub_broadcast_left", [helper.make_node("Sub", ["a", "b"], ["y"])],
     [("a", [4], f32(4)), ("b", [2, 3, 4], f32(2, 3, 4))], [("y", [2, 3, 4])])
case("mul_scalar", [helper.make_node("Mul", ["a", "b"], ["y"])],
     [("a", [2, 3], f32(2, 3))], [("y", [2, 3])], [init("b", np.array(1.5, np.float32))])
case("div_both_broadcast", [helper.make_node("Div", ["a", "b"], ["y"])],
     [("a", [2, 1, 4], f32(2, 1, 4)), ("b", [1, 3, 1], np.abs(f32(1, 3, 1)) + 0.5)], [("y", [2, 3, 4])])

# --- activations
x25 = f32(2, 5, scale=2)
case("relu", [helper.make_node("Relu", ["x"], ["y"])], [("x", [2, 5], x25)], [("y", [2, 5])])
case("leaky_relu", [helper.make_node("LeakyRelu", ["x"], ["y"], alpha=0.2)], [("x", [2, 5], x25)], [("y", [2, 5])])
case("sigmoid", [helper.make_node("Sigmoid", ["x"], ["y"])], [("x", [2, 5], x25)], [("y", [2, 5])])
case("tanh", [helper.make_node("Tanh", ["x"], ["y"])], [("x", [2, 5], x25)], [("y", [2, 5])])
x234 = f32(2, 3, 4, scale=2)
case("softmax_axis_neg2", [helper.make_node("Softmax", ["x"], ["y"], axis=-2)], [("x", [2, 3, 4], x234)], [("y", [2, 3, 4])])
case("softmax_legacy_opset11", [helper.make_node("Softmax", ["x"], ["y"], axis=1)], [("x", [2, 3, 4], x234)],
     [("y", [2, 3, 4])], opset=11)
case("softmax_default_opset13", [helper.make_node("Softmax", ["x"], ["y"])], [("x", [2, 3, 4], x234)], [("y", [2, 3, 4])])
case("logsoftmax_axis1", [helper.make_node("LogSoftmax", ["x"], ["y"], axis=1)], [("x", [2, 3, 4], x234)], [("y", [2, 3, 4])])
case("logsoftmax_legacy_default", [helper.make_node("LogSoftmax", ["x"], ["y"])], [("x", [2, 3, 4], x234)],
     [("y", [2, 3, 4])], opset=11)

# --- Conv
def conv_case(name, x_shape, w_shape, bias=True, **attrs):
    ins = ["x", "w"] + (["b"] if bias else [])
    inits = [init("w", f32(*w_shape, scale=0.5))] + ([init("b", f32(w_shape[0]))] if bias else [])
    case(name, [helper.make_node("Conv", ins, ["y"], name=name, **attrs)],
         [("x", list(x_shape), f32(*x_shape))], [("y", None)], inits)


conv_case("conv_same_upper_stride2", (1, 2, 7, 7), (3, 2, 3, 3), auto_pad="SAME_UPPER", strides=[2, 2])
conv_case("conv_same_lower_even_kernel", (1, 2, 6, 5), (2, 2, 4, 2), auto_pad="SAME_LOWER")
conv_case("conv_valid", (2, 1, 6, 6), (2, 1, 3, 3), auto_pad="VALID", strides=[1, 2])
conv_case("conv_asymmetric_pads", (1, 2, 6, 7), (3, 2, 3, 3), pads=[1, 0, 2, 1], strides=[2, 1])
conv_case("conv_dilation", (1, 2, 9, 9), (2, 2, 3, 3), dilations=[2, 2], pads=[1, 1, 1, 1])
conv_case("conv_group2", (2, 4, 5, 5), (6, 2, 3, 3), group=2, pads=[1, 1, 1, 1])
conv_case("conv_depthwise", (1, 3, 5, 5), (3, 1, 3, 3), group=3, bias=False)
conv_case("conv_pointwise", (2, 3, 4, 4), (5, 3, 1, 1))
conv_case("conv_no_bias_kernel_shape", (1, 1, 5, 5), (2, 1, 2, 2), bias=False, kernel_shape=[2, 2], strides=[2, 2])

# --- pooling
def pool_case(name, op, x_shape, **attrs):
    case(name, [helper.make_node(op, ["x"], ["y"], name=name, **attrs)], [("x", list(x_shape), f32(*x_shape))], [("y", None)])


pool_case("maxpool_ceil", "MaxPool", (1, 2, 7, 7), kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
pool_case("maxpool_ceil_pads", "MaxPool", (1, 1, 6, 6), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
pool_case("maxpool_pads", "MaxPool", (1, 2, 6, 6), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
pool_case("maxpool_dilation", "MaxPool", (1, 1, 7, 7), kernel_shape=[2, 2], dilations=[2, 2])
pool_case("maxpool_same_upper", "MaxPool", (1, 2, 5, 5), kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER")
pool_case("avgpool_include_pad", "AveragePool", (1, 2, 5, 5), kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1)
pool_case("avgpool_exclude_pad", "AveragePool", (1, 2, 5, 5), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
pool_case("avgpool_ceil_include_pad", "AveragePool", (1, 1, 6, 6), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
          ceil_mode=1, count_include_pad=1)
pool_case("avgpool_ceil", "AveragePool", (1, 1, 7, 7), kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)
pool_case("avgpool_same_lower", "AveragePool", (1, 2, 5, 5), kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_LOWER")
pool_case("global_avgpool", "GlobalAveragePool", (2, 3, 4, 5))

# --- normalisation and shape ops
case("batchnorm", [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
     [("x", [2, 3, 4, 4], f32(2, 3, 4, 4))], [("y", [2, 3, 4, 4])],
     [init("s", f32(3)), init("b", f32(3)), init("m", f32(3)), init("v", np.abs(f32(3)) + 0.1)])
case("flatten_neg_axis", [helper.make_node("Flatten", ["x"], ["y"], axis=-1)], [("x", [2, 3, 4], x234)], [("y", [6, 4])])
case("flatten_axis0", [helper.make_node("Flatten", ["x"], ["y"], axis=0)], [("x", [2, 3, 4], x234)], [("y", [1, 24])])
case("reshape_zero_minus1", [helper.make_node("Reshape", ["x", "s"], ["y"])], [("x", [2, 3, 4], x234)], [("y", [2, 6, 2])],
     [init("s", np.array([0, -1, 2], np.int64))])
case("reshape_concat_shape",
     [helper.make_node("Constant", [], ["c1"], value_ints=[2]),
      helper.make_node("Concat", ["c1", "c2"], ["shape"], axis=0),
      helper.make_node("Reshape", ["x", "shape"], ["y"])],
     [("x", [2, 3, 4], x234)], [("y", [2, 12])], [init("c2", np.array([-1], np.int64))])
case("transpose_perm", [helper.make_node("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])],
     [("x", [2, 3, 4, 5], f32(2, 3, 4, 5))], [("y", [2, 4, 5, 3])])
case("transpose_default", [helper.make_node("Transpose", ["x"], ["y"])], [("x", [2, 3, 4], x234)], [("y", [4, 3, 2])])
case("squeeze_attr_opset11", [helper.make_node("Squeeze", ["x"], ["y"], axes=[-1, 1])],
     [("x", [2, 1, 3, 1], f32(2, 1, 3, 1))], [("y", [2, 3])], opset=11)
case("squeeze_input_opset13", [helper.make_node("Squeeze", ["x", "axes"], ["y"])],
     [("x", [2, 1, 3, 1], f32(2, 1, 3, 1))], [("y", [2, 3, 1])], [init("axes", np.array([-3], np.int64))])
case("squeeze_all", [helper.make_node("Squeeze", ["x"], ["y"])], [("x", [1, 3, 1], f32(1, 3, 1))], [("y", [3])])
case("unsqueeze_attr_opset11", [helper.make_node("Unsqueeze", ["x"], ["y"], axes=[0, -1])],
     [("x", [2, 3], f32(2, 3))], [("y", [1, 2, 3, 1])], opset=11)
case("unsqueeze_input_opset13", [helper.make_node("Unsqueeze", ["x", "axes"], ["y"])],
     [("x", [2, 3], f32(2, 3))], [("y", [2, 1, 3, 1])], [init("axes", np.array([1, -1], np.int64))])
case("concat_neg_axis", [helper.make_node("Concat", ["a", "b", "c"], ["y"], axis=-1)],
     [("a", [2, 3, 1], f32(2, 3, 1)), ("b", [2, 3, 2], f32(2, 3, 2))], [("y", [2, 3, 6])], [init("c", f32(2, 3, 3))])
case("clip_attributes_opset10", [helper.make_node("Clip", ["x"], ["y"], min=-0.5, max=0.7)],
     [("x", [2, 5], x25)], [("y", [2, 5])], opset=10)
case("clip_min_input_only", [helper.make_node("Clip", ["x", "lo", ""], ["y"])],
     [("x", [2, 5], x25)], [("y", [2, 5])], [init("lo", np.array(-0.3, np.float32))])
case("clip_min_max_inputs", [helper.make_node("Clip", ["x", "lo", "hi"], ["y"])],
     [("x", [2, 5], x25)], [("y", [2, 5])], [init("lo", np.array(-1, np.float32)), init("hi", np.array(0.25, np.float32))])
case("dropout_identity_constant",
     [helper.make_node("Dropout", ["x"], ["d"]),
      helper.make_node("Identity", ["d"], ["i"]),
      helper.make_node("Constant", [], ["k"], value=numpy_helper.from_array(f32(5), "k")),
      helper.make_node("Add", ["i", "k"], ["y"])],
     [("x", [2, 5], x25)], [("y", [2, 5])])
case("cast_roundtrip",
     [helper.make_node("Cast", ["x"], ["xi"], to=TensorProto.INT64),
      helper.make_node("Cast", ["xi"], ["y"], to=TensorProto.FLOAT)],
     [("x", [2, 5], x25 * 3)], [("y", [2, 5])])


def hostile():
    """Malformed or hostile files: Fixtures/hostile/NAME.onnx plus expected.json {NAME: substring of the error}."""
    out = os.path.join(OUT, "hostile")
    os.makedirs(out, exist_ok=True)
    expected = {}

    def model(nodes, inputs, outputs, inits=(), opset=13):
        g = helper.make_graph(nodes, "hostile", inputs, outputs, list(inits))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="hostile")
        m.ir_version = 8
        return m.SerializeToString()

    def put(name, data, msg):
        with open(os.path.join(out, name + ".onnx"), "wb") as fh:
            fh.write(data)
        expected[name] = msg

    relu = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    x4, y4 = [vi("x", [N, 4])], [vi("y", [N, 4])]

    big = TensorProto(name="big", data_type=TensorProto.FLOAT, dims=[1000000, 1000000], raw_data=b"\0" * 4)
    put("huge_initializer_dims", model(relu, x4, y4, [big]), "more than")
    short = TensorProto(name="short", data_type=TensorProto.FLOAT, dims=[100, 100], raw_data=b"\0" * 16)
    put("raw_data_too_short", model(relu, x4, y4, [short]), "raw_data holds 16 bytes")
    fshort = TensorProto(name="fshort", data_type=TensorProto.FLOAT, dims=[10], float_data=[1, 2, 3])
    put("float_data_too_short", model(relu, x4, y4, [fshort]), "float_data holds 3")
    neg = TensorProto(name="neg", data_type=TensorProto.FLOAT, dims=[-5], raw_data=b"")
    put("negative_dim", model(relu, x4, y4, [neg]), "dimension -5")
    ext = TensorProto(name="ext", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    ext.external_data.add(key="location", value="/etc/passwd")
    put("external_data", model(relu, x4, y4, [ext]), "external data")
    put("input_dim_1e12", model(relu, [vi("x", [1000000000000, 4])], y4), "invalid dimension 1000000000000")
    put("input_absurd_total", model(relu, [vi("x", [N, 100000, 100000, 100000])], [vi("y", None)]), "absurd shape")
    put("unsupported_operator", model([helper.make_node("LSTM", ["x", "w", "r"], ["y"], name="rnn")], x4, y4),
        "unsupported operator LSTM at node 'rnn'")
    put("unsupported_attribute", model([helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2],
                                                         storage_order=1)],
                                       [vi("x", [N, 1, 4, 4])], [vi("y", [N, 1, 3, 3])]),
        "'storage_order' of MaxPool node 'pool'")
    put("unknown_attribute", model([helper.make_node("Relu", ["x"], ["y"], name="act", slope=2)], x4, y4),
        "'slope' of Relu node 'act'")
    put("bn_training_mode", model([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn",
                                                    training_mode=1)], x4, y4,
                                  [init(n, np.ones(4, np.float32)) for n in "sbmv"]), "'training_mode' of BatchNormalization")
    put("custom_domain", model([helper.make_node("Relu", ["x"], ["y"], name="r", domain="com.example")], x4, y4),
        "custom domain 'com.example'")
    # opset_5 (Relu at opset 5) and int64_input (Cast of an INT64 input) are no longer hostile: opsets are
    # judged per node and numeric inputs are accepted (PerNodeOpsetTests).
    put("dangling_reference", model([helper.make_node("Relu", ["nowhere"], ["y"], name="r")], x4, y4),
        "reads 'nowhere'")
    put("shape_mismatch_at_load", model([helper.make_node("Gemm", ["x", "w"], ["y"], name="fc")], [vi("x", [N, 7])],
                                        [vi("y", [N, 5])], [init("w", np.ones((10, 5), np.float32))]),
        "Gemm node 'fc' failed")
    put("reshape_absurd", model([helper.make_node("Reshape", ["x", "s"], ["y"], name="rs")], x4, [vi("y", None)],
                                [init("s", np.array([1000000000000, -1], np.int64))]), "invalid dimension 1000000000000")
    put("conv_huge_pads", model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", pads=[4000, 4000, 4000, 4000])],
                                [vi("x", [N, 1, 28, 28])], [vi("y", None)], [init("w", np.ones((64, 1, 3, 3), np.float32))]),
        "exceeds the limit")
    blow = [helper.make_node("Concat", [f"v{i}", f"v{i}"], [f"v{i + 1}"], name=f"cat{i}", axis=0) for i in range(40)]
    put("concat_blowup", model([helper.make_node("Identity", ["x"], ["v0"])] + blow + [helper.make_node("Identity", ["v40"], ["y"])],
                               x4, [vi("y", None)]), "exceeds the limit")
    put("missing_output", model(relu, x4, [vi("z", [N, 4])]), "'z' is never produced")
    put("random_bytes", bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8)), "malformed")
    put("png_magic", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "malformed")
    put("text_file", b"this is not an onnx model\n" * 10, "malformed")
    put("no_graph", onnx.ModelProto(ir_version=8).SerializeToString(), "missing graph")
    put("empty", b"", "empty file")
    with open(os.path.join(out, "expected.json"), "w") as fh:
        json.dump(expected, fh, indent=1, sort_keys=True)
    print(f"{len(expected)} hostile files")


# --- PyTorch-style dynamic flatten: x.view(x.size(0), -1) exports as Shape/Gather/Unsqueeze/Concat/Reshape
case("pytorch_dynamic_flatten",
     [helper.make_node("Shape", ["x"], ["s"]),
      helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
      helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"]),
      helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
      helper.make_node("Reshape", ["x", "shape"], ["y"])],
     [("x", [N, 3, 4, 4], f32(2, 3, 4, 4))], [("y", [N, 48])],
     [init("zero", np.array(0, np.int64)), init("axes0", np.array([0], np.int64)), init("minus1", np.array([-1], np.int64))])
case("gather_float_axis1", [helper.make_node("Gather", ["x", "i"], ["y"], axis=-2)],
     [("x", [2, 3, 4], x234)], [("y", [2, 2, 2, 4])], [init("i", np.array([[0, -1], [2, 1]], np.int64))])
case("shape_start_end_opset15",
     [helper.make_node("Shape", ["x"], ["s"], start=1, end=-1), helper.make_node("Cast", ["s"], ["y"], to=1)],
     [("x", [2, 3, 4, 5], f32(2, 3, 4, 5))], [("y", [2])], opset=15)

# ceil_mode where the last window would start inside the end padding (dropped by the ONNX/PyTorch rule)
pool_case("maxpool_ceil_window_in_pad", "MaxPool", (1, 2, 4, 4), kernel_shape=[2, 2], strides=[3, 3], pads=[1, 1, 1, 1],
          ceil_mode=1)
pool_case("avgpool_ceil_window_in_pad", "AveragePool", (1, 2, 4, 4), kernel_shape=[2, 2], strides=[3, 3],
          pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1)


if __name__ == "__main__":
    write_all()
    hostile()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"{len(CASES)} cases, {total / 1024:.0f} KiB in {OUT}")
