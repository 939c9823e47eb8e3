#!/bin/sh
# Runs inside the image's Debian stage (Dockerfile): copies into ROOT (default /rootfs) only
# what glyphprep needs at run time, for a final stage FROM scratch: the binary with its Swift
# libraries (/opt/glyphprep), models and pipelines, every shared library that ldd resolves for
# it and for libvips' loader modules and ImageMagick's coders (so HEIF, JPEG XL, PDF, … still
# load), fonts with their fontconfig setup, glibc's gconv modules, busybox as /bin/sh (the
# Kubernetes manifests run a shell), and the glyphprep user. Everything apt installed besides
# (docs, tools, data of unused libraries) stays behind.
set -eu
root=${1:-/rootfs}
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
lib=/usr/lib/$arch
mkdir -p "$root"
copy() { # copy PATH… to the same absolute paths under ROOT (symbolic links followed); a path
          # under /lib is stored under /usr/lib (Debian's merged /usr), so nothing is copied twice
  for path in "$@"; do
    [ -e "$path" ] || continue
    case $path in /lib/*) target=/usr$path ;; *) target=$path ;; esac
    [ -e "$root$target" ] && [ ! -d "$path" ] && continue
    mkdir -p "$root$(dirname "$target")"
    cp -a -L "$path" "$root$(dirname "$target")/"
  done
}
objects="/opt/glyphprep/bin/glyphprep $(ls "$lib"/vips-modules-*/*.so "$lib"/ImageMagick-*/modules-*/*/*.so 2>/dev/null || true)"
# shellcheck disable=SC2086
libraries=$(for object in $objects; do ldd "$object"; done |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
if for object in $objects; do ldd "$object"; done | grep -q 'not found'; then
  echo "image-rootfs: ldd reports missing libraries" >&2
  exit 1
fi
# shellcheck disable=SC2086
copy $libraries /opt/glyphprep "$lib"/vips-modules-* "$lib"/ImageMagick-* /etc/ImageMagick-6 \
  "$lib"/gconv /etc/fonts /usr/share/fonts /usr/share/fontconfig /usr/share/hershey-fonts \
  /etc/ld.so.conf /etc/ld.so.conf.d /etc/nsswitch.conf /usr/share/zoneinfo/Etc/UTC
mkdir -p "$root/lib64" "$root/tmp" "$root/home/glyphprep" "$root/etc"
ln -sf usr/bin "$root/bin"
ln -sf usr/lib "$root/lib"
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || ln -sf ../usr/lib/$arch/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
mkdir -p "$root/usr/bin"
cp /bin/busybox "$root/usr/bin/busybox"
ln -sf busybox "$root/usr/bin/sh"
chmod 1777 "$root/tmp"
grep -E '^(root|glyphprep):' /etc/passwd > "$root/etc/passwd"
grep -E '^(root|glyphprep):' /etc/group > "$root/etc/group"
chown 10001:10001 "$root/home/glyphprep"
ldconfig -r "$root" 2>/dev/null || true
echo "image-rootfs: $(du -sh "$root" | cut -f1) in $root"
du -s "$root"/usr/lib/"$arch"/* "$root"/usr/share/* "$root"/opt/glyphprep/* 2>/dev/null | sort -rn | head -12
