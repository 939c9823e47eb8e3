#!/usr/bin/env bash
# Renders an HTML report in headless Chromium to a PNG: scripts/screenshot-report.sh report.html shot.png [WIDTHxHEIGHT]
set -euo pipefail
report=${1:?usage: screenshot-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]}
out=${2:?usage: screenshot-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]}
size=${3:-1280x2000}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "screenshot-report: install chromium (apt-get install -y chromium)" >&2; exit 1; }
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --screenshot="$(realpath -m "$out")" --window-size="${size/x/,}" "file://$(realpath "$report")" 2>/dev/null
echo "screenshot-report: wrote $out" >&2
