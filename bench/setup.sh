# Sourced by run.sh and scale.sh: installs what the benchmark needs when missing.
# Sets VENV. Safe to source repeatedly.
VENV="$HERE/.venv"

apt_install() {  # only when missing, only as root
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "[bench] apt-get install $*" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null ||
            { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
    else
        echo "[bench] please install: $*" >&2
    fi
}

[ -x /usr/bin/time ] || apt_install time
[ -f /usr/include/turbojpeg.h ] || apt_install libturbojpeg0-dev
[ -f /usr/include/png.h ] || apt_install libpng-dev
[ -f /usr/include/libdeflate.h ] || apt_install libdeflate-dev
command -v gcc >/dev/null || apt_install gcc make
pkg-config --exists vips 2>/dev/null || apt_install libvips-dev pkg-config
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

if ! "$VENV/bin/python" -c 'import cv2, PIL, numpy, pyvips' 2>/dev/null; then
    echo "[bench] creating $VENV (opencv-python-headless, pillow, numpy, pyvips)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check opencv-python-headless pillow numpy pyvips
fi
