#!/usr/bin/env python3
"""Copies the ONNX backend test data with every model below opset 7 upgraded to opset 13
(onnx.version_converter), as issue 23 measured it. Run the conformance test on the copy with

    python3 bench/upgrade_backend_data.py /tmp/onnx-backend-opset13
    GLYPHPREP_ONNX_TESTDATA=/tmp/onnx-backend-opset13 swift test --filter ConformanceTests

Source: $GLYPHPREP_ONNX_TESTDATA, else /usr/share/libonnx-testdata/data (Debian libonnx-testdata),
else the installed onnx package's backend/test/data.
"""
import os
import shutil
import sys

import onnx
from onnx import version_converter

SUITES = ["pytorch-converted", "pytorch-operator", "simple"]


def source_root():
    for root in [os.environ.get("GLYPHPREP_ONNX_TESTDATA"), "/usr/share/libonnx-testdata/data",
                 os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")]:
        if root and os.path.isdir(os.path.join(root, SUITES[0])):
            return root
    sys.exit("no ONNX backend test data found")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/onnx-backend-opset13"
    src = source_root()
    upgraded = failed = 0
    for suite in SUITES:
        for case in sorted(os.listdir(os.path.join(src, suite))):
            s, d = os.path.join(src, suite, case), os.path.join(out, suite, case)
            if not os.path.exists(os.path.join(s, "model.onnx")):
                continue
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(s, d)
            model = onnx.load(os.path.join(s, "model.onnx"))
            opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
            if opset is None or opset >= 7:
                continue
            try:
                onnx.save(version_converter.convert_version(model, 13), os.path.join(d, "model.onnx"))
                upgraded += 1
            except Exception as e:  # the converter lacks adapters for a few operators; keep the original
                failed += 1
                print(f"{suite}/{case}: not converted ({type(e).__name__}: {str(e).splitlines()[0][:100]})")
    print(f"{out}: {upgraded} models upgraded to opset 13, {failed} left at their opset")


if __name__ == "__main__":
    main()
