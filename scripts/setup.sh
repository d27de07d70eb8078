#!/usr/bin/env bash
# Installs what TailKit needs, only what is missing; a second run returns at once.
#  - Debian packages: the built-in Fashion-MNIST data set and the image/zlib libraries the readers use.
#  - libtorch: the libraries and headers of the pinned torch wheel, unpacked into .deps/ (git-ignored).
#    The same folder is an importable Python torch of the very same version, which the tests and the
#    benchmark compare against.
#  - Python packages that `import torch` needs, into .deps/pydeps when the system lacks them.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.13.0
DEPS=.deps
TORCH_DIR=$DEPS/torch-$TORCH_VERSION
STAMP=$DEPS/setup-ok-$TORCH_VERSION-v3
APT_PACKAGES="dataset-fashion-mnist libjpeg62-turbo-dev libpng-dev zlib1g-dev"

apt_missing() {
    [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || return 0
    [ -f /usr/include/jpeglib.h ] || [ -f /usr/include/x86_64-linux-gnu/jpeglib.h ] || return 0
    [ -f /usr/include/png.h ] || return 0
    [ -f /usr/include/zlib.h ] || return 0
    return 1
}

if [ -f "$STAMP" ] && [ -f "$TORCH_DIR/torch/lib/libtorch_cpu.so" ] && ! apt_missing; then
    exit 0
fi

if apt_missing; then
    echo "setup: installing Debian packages: $APT_PACKAGES"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $APT_PACKAGES >/dev/null
fi

if [ ! -f "$TORCH_DIR/torch/lib/libtorch_cpu.so" ]; then
    echo "setup: fetching torch==$TORCH_VERSION (libtorch for TailKit and the Python reference)"
    mkdir -p "$DEPS/wheels"
    python3 -m pip download --quiet --no-deps "torch==$TORCH_VERSION" -d "$DEPS/wheels"
    wheel=$(ls "$DEPS"/wheels/torch-"$TORCH_VERSION"*.whl | head -n 1)
    rm -rf "$TORCH_DIR.partial"
    mkdir -p "$TORCH_DIR.partial"
    python3 -m zipfile -e "$wheel" "$TORCH_DIR.partial"
    case "$wheel" in
    *+cpu*) ;;
    *)
        # The PyPI (CUDA) build's libtorch_cpu.so links libcudart and libcupti; these two are
        # enough for it to load and run on a CPU-only machine (backend.md).
        echo "setup: CUDA build of torch: fetching the CUDA runtime libraries it links"
        python3 -m pip download --quiet --no-deps "nvidia-cuda-runtime" "nvidia-cuda-cupti" -d "$DEPS/wheels/cuda" || \
            python3 -m pip download --quiet "cuda-toolkit[cudart,cupti]" -d "$DEPS/wheels/cuda"
        for w in "$DEPS"/wheels/cuda/*.whl; do python3 -m zipfile -e "$w" "$TORCH_DIR.partial"; done
        ;;
    esac
    rm -rf "$TORCH_DIR"
    mv "$TORCH_DIR.partial" "$TORCH_DIR"
    rm -rf "$DEPS/wheels"
fi

# Python torch's own imports (for the tests and the benchmark that compare against it) and TensorBoard's reader
# (so the tests check that `tensorboard --logdir` reads TailKit's event files), in one pip call when any is missing.
PY_DEPS="filelock fsspec typing_extensions sympy networkx jinja2 numpy tensorboard"
if ! PYTHONPATH="$DEPS/pydeps" python3 -c "import filelock, fsspec, typing_extensions, sympy, networkx, jinja2, numpy, tensorboard.backend.event_processing.event_accumulator" 2>/dev/null; then
    echo "setup: installing Python packages for torch and tensorboard into $DEPS/pydeps"
    python3 -m pip install --quiet --root-user-action=ignore --upgrade --target "$DEPS/pydeps" $PY_DEPS
fi
PYTHONPATH="$TORCH_DIR:$DEPS/pydeps" python3 -c "import torch; assert torch.__version__.startswith('$TORCH_VERSION')" || {
    echo "setup: Python cannot import the unpacked torch $TORCH_VERSION from $TORCH_DIR" >&2
    exit 1
}
touch "$STAMP"
echo "setup: done"
