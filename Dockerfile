# GlyphPrep container image: `glyphprep` as the entrypoint, models/ and pipelines/ inside.
#
#   make image                    # = docker build -t glyphprep:0.1.0 .   (Swift build stage)
#   make image-prebuilt           # = the binary from `make build` on this (bookworm) host
#   docker run --rm -v "$PWD/scans:/in:ro" -v "$PWD/out:/out" glyphprep:0.1.0 \
#       run pipelines/emnist.yaml /in -o /out
#
# Stages:
#   build     FROM the official Swift image (Debian 12 bookworm, the runtime's base), compiles
#             the release binary and stages it with scripts/stage-image.sh (the binary plus the
#             Swift runtime libraries it loads, found beside it through its $ORIGIN RUNPATH).
#   runtime   (default, last) slim bookworm + the shared libraries glyphprep loads + fonts +
#             models/ + pipelines/, non-root user, ENTRYPOINT glyphprep.
#   prebuilt  (--target prebuilt) the same runtime with the host's .build/image/ instead of the
#             build stage: scripts/stage-image.sh copies .build/release/glyphprep and the Swift
#             runtime libraries it loads there. No Swift image is needed; build the binary on
#             Debian bookworm so glibc and the library sonames match the image.
#
# Build arguments: SWIFT_IMAGE (swift:6.3-bookworm: the toolchain the project is built with,
# Swift 6.3), DEBIAN_IMAGE (debian:bookworm-slim). The user is glyphprep, uid/gid 10001
# (numeric in USER, so Kubernetes' runAsNonRoot can verify it).
# Packages are not pinned to versions (hadolint DL3008): bookworm's stable and security updates
# are wanted, and the sonames (libvips42, …) are fixed within the release.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

# --- runtime base -------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS runtime-base
# libvips42 (images), libopenblas0 (BLAS), libturbojpeg0 (luma-only JPEG decoding), libdeflate0
# (PNG), zlib1g (IDX .gz); DejaVu (labels in previews) and Hershey stroke fonts (synth writers).
# hadolint ignore=DL3008
# Documentation, manual pages and translations are not installed, and the downloaded packages
# are removed in the same layer (a base without the official image's docker-clean apt setting,
# e.g. a local debootstrap, otherwise keeps ~130 MB of .debs in /var/cache/apt/archives).
RUN printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-exclude=/usr/share/man/*' \
        'path-exclude=/usr/share/locale/*' 'path-exclude=/usr/share/info/*' \
        > /etc/dpkg/dpkg.cfg.d/01-glyphprep-slim \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libvips42 libopenblas0 libturbojpeg0 libdeflate0 zlib1g \
        fonts-dejavu-core hershey-fonts-data \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
RUN groupadd --gid 10001 glyphprep \
    && useradd --uid 10001 --gid 10001 --home-dir /home/glyphprep --create-home \
        --shell /usr/sbin/nologin glyphprep
# A pipeline's `classify: {model: letters}` finds models/letters.onnx beside its pipelines/
# folder, else in models/ under the working directory: both are /opt/glyphprep here.
WORKDIR /opt/glyphprep
COPY models/letters.onnx models/README.md models/
COPY pipelines/ pipelines/
ENV PATH=/opt/glyphprep/bin:$PATH

# --- prebuilt: the host's binary ----------------------------------------------------------
FROM runtime-base AS prebuilt
COPY .build/image/ /opt/glyphprep/bin/
RUN glyphprep --version
USER 10001:10001
ENTRYPOINT ["glyphprep"]
CMD ["--help"]

# --- build from source --------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libvips-dev libopenblas-dev libturbojpeg0-dev zlib1g-dev libdeflate-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.resolved is not committed; the glob copies it when the context has one (pins the
# dependencies to what `make build` resolved on the host).
COPY Package.swift Package.resolved* ./
RUN swift package resolve
COPY Sources/ Sources/
COPY scripts/stage-image.sh scripts/
RUN swift build -c release --product glyphprep \
    && scripts/stage-image.sh

# --- runtime (default) --------------------------------------------------------------------
FROM runtime-base AS runtime
COPY --from=build /src/.build/image/ /opt/glyphprep/bin/
RUN glyphprep --version
USER 10001:10001
ENTRYPOINT ["glyphprep"]
CMD ["--help"]
