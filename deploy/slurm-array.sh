#!/bin/bash
# GlyphPrep as a Slurm job array: one task per shard over a shared filesystem.
#
#   sbatch deploy/slurm-array.sh                       # 8 shards: tasks 0..7
#   sbatch --array=0-31 deploy/slurm-array.sh          # 32 shards (the array's size is the count)
#   sbatch --dependency=afterok:<jobid> --wrap "glyphprep merge $OUTPUT"
#
# PIPELINE, INPUT, OUTPUT and GLYPHPREP (below) come from the environment sbatch passes on.
# Resubmitting the same script after a failure or timeout resumes every shard (--resume):
# files already done are kept, failed and missing ones are processed.
# To rerun only some shards, give the real shard count in SHARDS; the array indices are then
# the shard indices (0 … SHARDS-1):
#
#   SHARDS=8 sbatch --array=2,5 deploy/slurm-array.sh  # shards 2/8 and 5/8 again
#
# (Without SHARDS, `--array=2` would be a one-task array: shard 0 of 1, a different split.)
#SBATCH --job-name=glyphprep
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=04:00:00
#SBATCH --output=glyphprep-%A_%a.log
#SBATCH --requeue
set -euo pipefail

PIPELINE=${PIPELINE:-pipelines/emnist.yaml}
INPUT=${INPUT:-/shared/scans}
OUTPUT=${OUTPUT:-/shared/out}
GLYPHPREP=${GLYPHPREP:-.build/release/glyphprep}

: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array}"
if [ -n "${SHARDS:-}" ]; then
  # Explicit count (rerunning some shards): the task id is the shard index.
  SHARD="$SLURM_ARRAY_TASK_ID/$SHARDS"
else
  # The shard count is the array's size; the index is SLURM_ARRAY_TASK_ID minus
  # SLURM_ARRAY_TASK_MIN, so --array=1-8 works as well as --array=0-7.
  SHARD=$SLURM_ARRAY_TASK_COUNT
fi

status=0
"$GLYPHPREP" run "$PIPELINE" "$INPUT" -o "$OUTPUT" --shard "$SHARD" --resume \
    --jobs "${SLURM_CPUS_PER_TASK:-2}" --no-progress || status=$?
# 1 = the shard finished but some files failed (listed in its manifest): not a task failure.
if [ "$status" -eq 1 ]; then exit 0; fi
exit "$status"
