#!/bin/bash
# Segmentation on the six writers not measured by the two LOWO folds (w01, w08): shipped models,
# so recall / precision / reading order are the point (the segment stage does not depend on the
# model); the accuracy figures here are of writers the shipped model has seen.
cd /work/main
for w in w02 w03 w04 w05 w06 w07; do
  /usr/bin/time -f "page-eval $w: %e s wall" nice -n 5 /tmp/pe/glyphprep page-eval --strokes ../shared/data/uji --pages 60 --seed 4 --writers $w -j 1 > /tmp/pe/page-eval-$w.log 2>&1
done
echo DONE > /tmp/pe/done
