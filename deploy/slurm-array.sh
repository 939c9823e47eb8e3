#!/bin/bash
# GlyphPrep as a Slurm job array: one task per shard over a shared filesystem.
#
#   sbatch deploy/slurm-array.sh                       # 8 shards: tasks 0..7
#   sbatch --dependency=afterok:<jobid> --wrap "glyphprep merge $OUTPUT"
#
# Resubmitting the same script after a failure or timeout resumes every shard (--resume):
# files already done are kept, failed and missing ones are processed.
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

# The shard count is the array's size; the index is SLURM_ARRAY_TASK_ID minus
# SLURM_ARRAY_TASK_MIN, so --array=1-8 works as well as --array=0-7.
SHARDS=${SLURM_ARRAY_TASK_COUNT:?run this with sbatch --array}

status=0
"$GLYPHPREP" run "$PIPELINE" "$INPUT" -o "$OUTPUT" --shard "$SHARDS" --resume \
    --jobs "${SLURM_CPUS_PER_TASK:-2}" --no-progress || status=$?
# 1 = the shard finished but some files failed (listed in its manifest): not a task failure.
if [ "$status" -eq 1 ]; then exit 0; fi
exit "$status"
