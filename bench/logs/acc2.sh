#!/bin/bash
# As acc.sh, for min_stroke variants of the new binary: acc2.sh BINARY SUFFIX...
cd /tmp/c2f-models
b=$1; shift
for s in "$@"; do for w in w01 w08; do
  r=$(/tmp/c2f-bin/glyphprep-$b eval emnist-$w$s.yaml s-$w -o eval-$b$s-$w --jobs 2 2>&1 | grep -m1 "accuracy")
  echo "$b$s $w: $r"
done; done
