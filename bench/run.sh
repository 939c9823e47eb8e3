#!/usr/bin/env bash
# One command for the side-by-side benchmark. Sets up prerequisites when
# missing, then runs bench/bench.py (all options pass through):
#   bench/run.sh [--count 400] [--jobs 2] [--rounds 3] [--pipelines mnist,emnist]
#                [--only glyphprep,opencv,pillow,pyvips,floor] [--glyphprep PATH]
# GLYPHPREP=path overrides the binary (default .build/release/glyphprep).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

. "$HERE/setup.sh"

exec "$VENV/bin/python" "$HERE/bench.py" "$@"
