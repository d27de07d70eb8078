#!/usr/bin/env bash
# Installs what TailKit needs, only what is missing; a second run returns at once.
#  - Debian packages: the built-in Fashion-MNIST data set and the image/zlib libraries the readers use, and
#    python3 / python3-pip when the machine has no `python3 -m pip` yet.
#  - Debian's chromium, for the dashboard's real-browser test (headless); if it cannot be installed, setup goes on
#    and that test is skipped with a message.
#  - libtorch: the libraries and headers of the pinned torch wheel, unpacked into .deps/ (git-ignored).
#    The same folder is an importable Python torch of the very same version, which the tests and the
#    benchmark compare against.
#  - PySpark (pinned, from PyPI) into .deps/pyspark-<version>, and Debian's Java 17 runtime when java is missing,
#    for the Spark pseudo-labelling job and its test in local mode.
#  - Every Python package the tests and the benchmark import (torch's own imports, numpy, scipy, Pillow,
#    TensorBoard's reader), into .deps/pydeps. The tests run `python3 -s -S` with
#    PYTHONPATH=.deps/torch-2.13.0:.deps/pydeps, so they see these and never the system's or the user's
#    site-packages; the checks below run Python the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.13.0
PILLOW_VERSION=13.0.0
DEPS=.deps
TORCH_DIR=$DEPS/torch-$TORCH_VERSION
PYSPARK_VERSION=4.3.0
PYSPARK_DIR=$DEPS/pyspark-$PYSPARK_VERSION
STAMP=$DEPS/setup-ok-$TORCH_VERSION-v5
APT_PACKAGES="dataset-fashion-mnist libjpeg62-turbo-dev libpng-dev zlib1g-dev"
# pip reads this where it knows the option (pip >= 22.1) and ignores it otherwise (older pips from apt).
export PIP_ROOT_USER_ACTION=ignore

apt_missing() {
    [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || return 0
    [ -f /usr/include/jpeglib.h ] || [ -f /usr/include/x86_64-linux-gnu/jpeglib.h ] || return 0
    [ -f /usr/include/png.h ] || return 0
    [ -f /usr/include/zlib.h ] || return 0
    return 1
}

# Spark 4 runs on Java 17 or later.
java_missing() {
    java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' && return 1
    return 0
}

chromium_missing() {
    [ -x /usr/bin/chromium ] && return 1
    return 0
}

APT_UPDATED=""
apt_install() {
    echo "setup: installing Debian packages: $*"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    if [ -z "$APT_UPDATED" ]; then
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# A fresh Debian has python3 but no pip: Debian's python3-pip provides `python3 -m pip`. Only `pip download`
# and `pip install --target` are used, which PEP 668 (Debian's externally-managed Python) allows.
ensure_pip() {
    command -v python3 >/dev/null 2>&1 || apt_install python3
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    python3 -m pip --version >/dev/null 2>&1 || {
        echo "setup: \`python3 -m pip\` is still missing after installing python3-pip" >&2
        exit 1
    }
}

# Python as the tests run it: only the unpacked torch and .deps/pydeps on top of the standard library.
deps_python() {
    PYTHONNOUSERSITE=1 PYTHONPATH="$TORCH_DIR:$DEPS/pydeps" python3 -s -S "$@"
}

if [ -f "$STAMP" ] && [ -f "$TORCH_DIR/torch/lib/libtorch_cpu.so" ] && [ -d "$PYSPARK_DIR/pyspark" ] && ! java_missing && ! apt_missing && ! chromium_missing; then
    exit 0
fi

if apt_missing; then
    apt_install $APT_PACKAGES
fi

if chromium_missing; then
    apt_install chromium || echo "setup: warning: Debian's chromium could not be installed; the dashboard's browser test will be skipped" >&2
fi

if [ ! -f "$TORCH_DIR/torch/lib/libtorch_cpu.so" ]; then
    echo "setup: fetching torch==$TORCH_VERSION (libtorch for TailKit and the Python reference)"
    ensure_pip
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

# Python torch's own imports (for the tests and the benchmark that compare against it), numpy and scipy (data-format
# tests), Pillow (the augmentation tests compare TailKit's ops with it, byte for byte; pinned, as its integer
# arithmetic is what TailKit reproduces) and TensorBoard's reader (so the tests check that `tensorboard --logdir`
# reads TailKit's event files): in one pip call when any is missing.
PY_DEPS="filelock fsspec typing_extensions sympy networkx jinja2 numpy scipy pillow==$PILLOW_VERSION tensorboard"
PY_CHECK="import filelock, fsspec, typing_extensions, sympy, networkx, jinja2, numpy, scipy.io
import PIL, PIL.Image, PIL.ImageEnhance, PIL.ImageOps, PIL.ImageFilter, PIL.ImageDraw
import tensorboard.backend.event_processing.event_accumulator
assert PIL.__version__ == '$PILLOW_VERSION', PIL.__version__"
if ! deps_python -c "$PY_CHECK" 2>/dev/null; then
    echo "setup: installing Python packages for the tests (torch's imports, numpy, scipy, Pillow, tensorboard) into $DEPS/pydeps"
    ensure_pip
    # A fresh folder swapped in at the end: no leftovers of older versions, and never a half-installed pydeps.
    rm -rf "$DEPS/pydeps.partial"
    python3 -m pip install --quiet --target "$DEPS/pydeps.partial" $PY_DEPS
    rm -rf "$DEPS/pydeps"
    mv "$DEPS/pydeps.partial" "$DEPS/pydeps"
    deps_python -c "$PY_CHECK" || {
        echo "setup: the Python packages in $DEPS/pydeps do not import" >&2
        exit 1
    }
fi
# Spark for the distributed pseudo-labelling job (scripts/spark_pseudo_label.py) and its test: PySpark from PyPI
# into a folder of its own (it bundles Spark's jars; local mode needs nothing else), and a Java 17 runtime.
if java_missing; then
    apt_install openjdk-17-jre-headless
fi
if ! PYTHONNOUSERSITE=1 PYTHONPATH="$PYSPARK_DIR" python3 -s -S -c "import pyspark; assert pyspark.__version__ == '$PYSPARK_VERSION'" 2>/dev/null; then
    echo "setup: installing pyspark==$PYSPARK_VERSION into $PYSPARK_DIR"
    ensure_pip
    rm -rf "$PYSPARK_DIR.partial"
    python3 -m pip install --quiet --target "$PYSPARK_DIR.partial" "pyspark==$PYSPARK_VERSION"
    rm -rf "$PYSPARK_DIR"
    mv "$PYSPARK_DIR.partial" "$PYSPARK_DIR"
fi
deps_python -c "import torch; assert torch.__version__.startswith('$TORCH_VERSION')" || {
    echo "setup: Python cannot import the unpacked torch $TORCH_VERSION from $TORCH_DIR" >&2
    exit 1
}
touch "$STAMP"
echo "setup: done"
