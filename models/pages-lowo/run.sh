#!/bin/bash
# Leave-one-writer-out page evaluation: a reduced letters model per fold (one network, 8
# variants, 12 epochs), trained without the writer, then page-eval on that writer's letters.
set -u
G=/work/wt-pages/.build/release/glyphprep
cd /work/main
FONTS=$(make -s -p -n 2>/dev/null | sed -n 's/^TRAINING_FONTS := //p')
for w in w08 w01; do
  others=$(ls ../shared/data/uji | sed -n 's/.*-\(w[0-9][0-9]\)$/\1/p' | grep -v "^$w$" | paste -sd, -)
  fonts=""; for f in $FONTS; do fonts="$fonts --font $f"; done
  /usr/bin/time -f "train $w: %e s wall %U s user" nice -n 5 $G train pipelines/emnist.yaml --strokes ../shared/data/uji --writers "$others" \
     --variants 8 --epochs 12 --augment strong --conv1 24 --conv2 48 --hidden 192 --seed 1 --ensemble 1 $fonts -o /tmp/lowo/fold-$w.onnx > /tmp/lowo/train-$w.log 2>&1
  sed "s|model: letters|model: /tmp/lowo/fold-$w.onnx|" pipelines/page.yaml > /tmp/lowo/page-$w.yaml
  sed "s|model: letters|model: /tmp/lowo/fold-$w.onnx|" pipelines/emnist.yaml > /tmp/lowo/emnist-$w.yaml
  nice -n 5 $G page-eval --strokes ../shared/data/uji --pages 60 --seed 4 --writers $w --page-pipeline /tmp/lowo/page-$w.yaml --single-pipeline /tmp/lowo/emnist-$w.yaml -j 2 > /tmp/lowo/page-eval-$w.log 2>&1
done
echo DONE
