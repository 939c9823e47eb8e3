#!/bin/sh
# Measures `glyphprep merge` and `glyphprep run --resume` at scale: FILES synthetic manifest
# lines (scripts/synth-manifests.py) over an input tree of FILES names, peak RSS and times from
# /usr/bin/time -v, and byte comparisons of the results with the expected manifests.
#
#   scripts/bench-stream.sh                     # 10 million files, 64 shards (WORK: ~8 GB)
#   FILES=1000000 SHARDS=16 scripts/bench-stream.sh
#
# Needs root: the input tree is directory d0000 (PER_DIR tiny PNGs) bind-mounted on the empty
# directories d0001… inside a private mount namespace (unshare -m), which goes away with the
# measurement. Every name is walked, stat'ed and (for --resume) opened as in a real tree; the
# dentries of the one real directory are shared, so a cold tree of distinct files on a slow
# disk would take longer. Data are generated once into WORK and kept (`rm -rf WORK` to redo).
set -eu
FILES=${FILES:-10000000}
PER_DIR=${PER_DIR:-10000}
SHARDS=${SHARDS:-64}
WORK=${WORK:-/tmp/glyphprep-stream-bench}
GLYPHPREP=${GLYPHPREP:-$PWD/.build/release/glyphprep}
PIPELINE=${PIPELINE:-pipelines/emnist.yaml}
export FILES PER_DIR SHARDS WORK GLYPHPREP PIPELINE

if [ ! -f "$WORK/generated" ]; then
    rm -rf "$WORK"
    mkdir -p "$WORK"
    echo "generating $FILES lines in $SHARDS shards into $WORK"
    /usr/bin/time -f "generated in %e s (%U s user, %S s system)" nice -n 10 python3 scripts/synth-manifests.py \
        --files "$FILES" --per-dir "$PER_DIR" --shards "$SHARDS" --errors 0.01 --pipeline "$PIPELINE" --bind \
        --input "$WORK/scans" --merge-dir "$WORK/merge" --resume-dir "$WORK/resume"
    cp "$WORK/resume/manifest.jsonl" "$WORK/resume-expected.jsonl"
    touch "$WORK/generated"
fi

# The inner shell expands the exported variables itself.
# shellcheck disable=SC2016
unshare -m --propagation private sh -eu -c '
    for d in "$WORK"/scans/d*; do
        [ "$d" = "$WORK/scans/d0000" ] || mount --bind "$WORK/scans/d0000" "$d"
    done
    report() {  # NAME TIMEFILE
        awk -v name="$1" -F": " "
            /Elapsed \\(wall clock\\)/ { wall = \$2 } /User time/ { user = \$2 } /System time/ { sys = \$2 }
            /Maximum resident set size/ { rss = \$2 } /Exit status/ { status = \$2 }
            END { printf \"%s: exit %s, wall %s, user %s s, system %s s, peak RSS %.1f MB\\n\", name, status, wall, user, sys, rss / 1024 }" "$2"
    }
    rm -f "$WORK/merge/manifest.jsonl" "$WORK/merge/run.json"
    /usr/bin/time -v nice -n 10 "$GLYPHPREP" merge "$WORK/merge" 2> "$WORK/merge.time" || true
    grep "^glyphprep:" "$WORK/merge.time" || true
    report "merge of $SHARDS shards, $FILES lines" "$WORK/merge.time"
    if cmp "$WORK/merge/manifest.jsonl" "$WORK/merge/expected-manifest.jsonl"; then echo "merge: manifest.jsonl identical to the expected"; else echo "merge: DIFFERS"; fi
    /usr/bin/time -v nice -n 10 "$GLYPHPREP" run "$PIPELINE" "$WORK/scans" -o "$WORK/resume" --resume --no-progress 2> "$WORK/resume.time" || true
    grep "^glyphprep:" "$WORK/resume.time" || true
    report "run --resume over $FILES lines" "$WORK/resume.time"
    if cmp "$WORK/resume/manifest.jsonl" "$WORK/resume-expected.jsonl"; then echo "resume: manifest.jsonl identical to the earlier one"; else echo "resume: DIFFERS"; fi
'
