#!/usr/bin/env bash
# Installs what GlyphPrep needs on Debian when it is missing: libvips (images), OpenBLAS
# (matrix products), libturbojpeg (fast luma-only JPEG decoding), zlib (IDX .gz), libdeflate (fast PNG inflate), pkg-config
# DejaVu fonts (labels in previews) and Hershey stroke fonts (extra training writers), the ONNX
# backend test data and python3-numpy (the tests read the NPY export back with numpy).
# `scripts/setup.sh --training` also installs the handwriting fonts the shipped letters model
# is trained with (`make model`).
set -euo pipefail
packages=(libvips-dev libopenblas-dev libturbojpeg0-dev zlib1g-dev libdeflate-dev pkg-config fonts-dejavu-core hershey-fonts-data libonnx-testdata python3-numpy)
if [ "${1:-}" = "--training" ]; then
  packages+=(fonts-comic-neue fonts-breip fonts-dkg-handwriting fonts-humor-sans fonts-rufscript fonts-sjfonts fonts-tlwg-purisa-ttf)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "setup: swift is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }
