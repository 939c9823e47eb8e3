#!/bin/bash
# Leave-one-writer-out accuracy without retraining: fold models trained without w01 / w08
# (models/pages-lowo/run.sh: one network, 8 variants, 12 epochs) score that writer's scans
# through pipelines/emnist.yaml with the old (main) and new binary.
cd /tmp/c2f-models
for b in "$@"; do for w in w01 w08; do
  r=$(/tmp/c2f-bin/glyphprep-$b eval emnist-$w.yaml s-$w -o eval-$b-$w --jobs 2 2>&1 | grep -m1 "accuracy")
  echo "$b $w: $r"
done; done
