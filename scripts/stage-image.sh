#!/usr/bin/env bash
# Stages the binary for the image (`Dockerfile`: the build stage runs it, and
# `make image-prebuilt` runs it on the host for `--target prebuilt`):
# .build/image/glyphprep plus the Swift runtime libraries it loads from the toolchain
# (libswiftCore, Foundation, …; found with ldd). The binary's RUNPATH includes $ORIGIN, so
# they are found beside it in the image. Debian libraries (libvips, OpenBLAS, …) are not
# copied: the image installs them with apt. Build on Debian bookworm (the image's base) so
# glibc and the library sonames match.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/release/glyphprep}
stage=.build/image
[ -x "$binary" ] || { echo "stage-image: $binary is missing: run make build" >&2; exit 1; }
rm -rf "$stage"
mkdir -p "$stage"
cp "$binary" "$stage/glyphprep"
strip --strip-unneeded "$stage/glyphprep" 2>/dev/null || true   # debug symbols: not needed at run time
# Every library ldd resolves from the toolchain's Swift runtime directory: …/lib/swift/linux/
# (/opt/swift/usr/lib/swift/linux here, /usr/lib/swift/linux in the swift:… images).
ldd "$binary" | awk '$2 == "=>" && $3 ~ /\/lib\/swift\/linux\// { print $3 }' | sort -u |
  while read -r library; do cp -L "$library" "$stage/"; done
# Their symbol tables are not needed either (the Swift runtime finds its metadata in sections,
# not symbols): 82 MB -> 69 MB.
strip --strip-unneeded "$stage"/*.so 2>/dev/null || true
if ldd "$binary" | grep -q 'not found'; then
  echo "stage-image: ldd reports missing libraries:" >&2
  ldd "$binary" | grep 'not found' >&2
  exit 1
fi
echo "stage-image: $stage: $(find "$stage" -type f | wc -l) files, $(du -sh "$stage" | cut -f1)"
