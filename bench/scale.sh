#!/usr/bin/env bash
# Scale checks for glyphprep: many small files, and one very large image.
#   bench/scale.sh [--counts 10000,100000] [--jobs 2] [--no-big] [--big-size 12000x9000]
#                  [--with-peer] [--glyphprep PATH] [--no-results]
# Small sets: a handful of 100-300 px scans hardlinked into nested dirs
# (100 files per leaf dir) under bench/work/scale/. Each run is timed with
# /usr/bin/time -v: images/s, CPU s, peak RSS (largest single process).
# --with-peer also runs the OpenCV peer on the same inputs for comparison.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
COUNTS=10000,100000 JOBS=2 BIG=1 BIG_SIZE=12000x9000 PEER=0 RESULTS=1
GP="${GLYPHPREP:-$REPO/.build/release/glyphprep}"
while [ $# -gt 0 ]; do
    case "$1" in
        --counts) COUNTS="$2"; shift 2 ;;
        --jobs) JOBS="$2"; shift 2 ;;
        --no-big) BIG=0; shift ;;
        --big-size) BIG_SIZE="$2"; shift 2 ;;
        --with-peer) PEER=1; shift ;;
        --glyphprep) GP="$2"; shift 2 ;;
        --no-results) RESULTS=0; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
. "$HERE/setup.sh"
PY="$VENV/bin/python"
W="$HERE/work/scale"
YAML="$REPO/pipelines/mnist.yaml"
HAVE_GP=1
if [ ! -x "$GP" ]; then
    echo "[scale] SKIP glyphprep: $GP not found (build with 'swift build -c release' or set GLYPHPREP)" >&2; HAVE_GP=0
elif [ ! -f "$YAML" ]; then
    echo "[scale] SKIP glyphprep: $YAML not found" >&2; HAVE_GP=0
fi
mkdir -p "$W"

# A handful of small source scans, made once.
[ -f "$W/src/.complete" ] || { rm -rf "$W/src"; "$PY" "$HERE/make_samples.py" "$W/src" --count 8 --seed 7 --min-size 100 --max-size 300 >&2 && touch "$W/src/.complete"; }

make_tree() {  # make_tree N DIR: hardlinks of the sources, 100 per leaf dir
    [ -f "$2/.complete" ] && return 0
    rm -rf "$2"
    "$PY" - "$W/src" "$2" "$1" <<'PY'
import os, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
srcs = sorted(f for f in os.listdir(src) if f.endswith((".jpg", ".png")))
for i in range(n):
    d = os.path.join(dst, f"a{i // 10000:02d}", f"b{i // 100 % 100:02d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    s = srcs[i % len(srcs)]
    os.link(os.path.join(src, s), os.path.join(d, f"img{i:06d}{os.path.splitext(s)[1]}"))
PY
    touch "$2/.complete"
}

ROWS=()
timed() {  # timed LABEL N CMD...: run under /usr/bin/time -v, add a table row
    local label="$1" n="$2"; shift 2
    local tf; tf="$(mktemp)"
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$tf" "$@" >"$tf.out" 2>"$tf.err" || rc=$?
    t1=$(date +%s.%N)
    if [ $rc -ne 0 ]; then
        echo "[scale] FAILED ($rc): $*" >&2; tail -20 "$tf.err" >&2
        ROWS+=("| $label | $n | failed (rc $rc) | | | |")
    else
        local rss user sys
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
        user=$(awk -F': ' '/User time/ {print $2}' "$tf"); sys=$(awk -F': ' '/System time/ {print $2}' "$tf")
        ROWS+=("$(awk -v l="$label" -v n="$n" -v a="$t0" -v b="$t1" -v u="$user" -v s="$sys" -v r="$rss" \
            'BEGIN { w = b - a; printf "| %s | %d | %.1f | %.2f | %.2f | %.0f |", l, n, n / w, w, u + s, r / 1024 }')")
        echo "[scale] ${ROWS[-1]}" >&2
    fi
    rm -f "$tf" "$tf.out" "$tf.err"
}

contenders() {  # contenders LABEL N INPUT
    local out="$W/out"
    if [ $HAVE_GP = 1 ]; then
        rm -rf "$out"; timed "glyphprep $1" "$2" "$GP" run "$YAML" "$3" -o "$out" --jobs "$JOBS"
        local got; got=$(find "$out" -name '*.png' | wc -l)
        [ "$got" = "$2" ] || echo "[scale] WARNING: glyphprep wrote $got PNGs for $2 inputs" >&2
    fi
    if [ $PEER = 1 ]; then
        rm -rf "$out"; timed "opencv peer $1" "$2" "$PY" "$HERE/peers/opencv_peer.py" "$3" "$out" --jobs "$JOBS"
    fi
    rm -rf "$out"
}

IFS=, read -ra NS <<<"$COUNTS"
for n in "${NS[@]}"; do
    echo "[scale] preparing $n small files" >&2
    make_tree "$n" "$W/n$n"
    contenders "small x$n" "$n" "$W/n$n"
done
if [ $BIG = 1 ]; then
    if [ ! -f "$W/big/.complete" ]; then
        echo "[scale] generating one ${BIG_SIZE} JPEG (pyvips)" >&2
        rm -rf "$W/big"; "$PY" "$HERE/make_samples.py" "$W/big" --big "$BIG_SIZE" >&2 && touch "$W/big/.complete"
    fi
    contenders "one ${BIG_SIZE} JPEG" 1 "$W/big"
fi

REPORT="### scale — --jobs $JOBS, $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)

| run | images | images/s | wall s | CPU s | peak RSS MB |
|---|---:|---:|---:|---:|---:|"
for r in "${ROWS[@]}"; do REPORT+=$'\n'"$r"; done
[ ${#ROWS[@]} -gt 0 ] || REPORT+=$'\n'"| (nothing measured: glyphprep missing; try --with-peer) | | | | | |"
echo "$REPORT"
if [ $RESULTS = 1 ] && [ ${#ROWS[@]} -gt 0 ]; then
    printf '\n%s\n' "$REPORT" >>"$HERE/RESULTS.md"
    echo "[scale] appended to bench/RESULTS.md" >&2
fi
