# TailKit: `make demo` and `make test` are all a newcomer needs; each runs `make setup` first.
SHELL := /bin/bash
TORCH_PY := $(CURDIR)/.deps/torch-2.13.0:$(CURDIR)/.deps/pydeps
export TAILKIT_TORCH_PYTHONPATH := $(TORCH_PY)
SWIFT_FLAGS ?=
TAILKIT := .build/release/tailkit

.PHONY: setup build release release-static test demo bench clean shim-so fuzz fuzz-smoke

setup:
	@bash scripts/setup.sh

build: setup
	swift build $(SWIFT_FLAGS)

release: setup
	swift build -c release $(SWIFT_FLAGS)

# The release binary with the Swift runtime and Foundation linked in, for a machine without Swift (e.g. a GPU
# machine): it still loads libtorch (its rpath, or LD_LIBRARY_PATH) and Debian's libjpeg, libpng and zlib.
release-static: setup
	swift build -c release --static-swift-stdlib $(SWIFT_FLAGS)

test: setup
	swift build --build-tests $(SWIFT_FLAGS)
	swift test --skip-build $(SWIFT_FLAGS)
	bash Fuzz/fuzz.sh smoke 3

# libFuzzer on one file reader (Fuzz/README.md): make fuzz READER=pickle SECONDS=60
READER ?= pickle
SECONDS ?= 60
fuzz: setup
	bash Fuzz/fuzz.sh run $(READER) $(SECONDS)

# Every fuzz target for a few seconds on its seed corpus (part of `make test`).
fuzz-smoke: setup
	bash Fuzz/fuzz.sh smoke 3

demo: release
	$(TAILKIT) demo

bench: release
	$(TAILKIT) bench

# The shim alone as a shared library, for a machine with another libtorch (e.g. a CUDA build):
# make shim-so TORCH=/path/to/site-packages/torch
TORCH ?= $(CURDIR)/.deps/torch-2.13.0/torch
shim-so:
	g++ -std=c++20 -O2 -shared -fPIC -w -ISources/CTorch/include -ISources/CTorch/vendor -I$(TORCH)/include \
	  -I$(TORCH)/include/torch/csrc/api/include Sources/CTorch/*.cpp -L$(TORCH)/lib \
	  -Wl,-rpath,$(TORCH)/lib -ltorch_cpu -lc10 -o libctorch.so

clean:
	rm -rf .build
