#!/bin/bash
# After the segment fix: LOWO folds w08/w01 with their fold models (as models/pages-lowo/run.sh),
# then segmentation on the other writers with the shipped model.
cd /work/main
G=/tmp/pe2/glyphprep
for w in w08 w01; do
  /usr/bin/time -f "page-eval $w: %e s wall" nice -n 5 $G page-eval --strokes ../shared/data/uji --pages 60 --seed 4 --writers $w --page-pipeline /tmp/lowo/page-$w.yaml --single-pipeline /tmp/lowo/emnist-$w.yaml -j 2 > models/pages-lowo/after-segment-fix/lowo-page-eval-$w.log 2>&1
done
for w in w03 w04 w05 w06 w07; do
  /usr/bin/time -f "page-eval $w: %e s wall" nice -n 5 $G page-eval --strokes ../shared/data/uji --pages 60 --seed 4 --writers $w -j 2 > models/pages-lowo/after-segment-fix/page-eval-$w.log 2>&1
done
echo DONE > /tmp/pe2/done
