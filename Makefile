# Every target sets up .venv itself, so a fresh clone needs nothing installed by hand.
# `make run` installs the runtime only; `make test` adds this repository's own tooling (the `test` extra).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime-installed
VERSION := $(shell sed -n 's/^__version__ = "\([^"]*\)".*/\1/p' emulator/__init__.py)

# `make image`: BASE must carry python3 of the host's minor version, or set WHEEL_PYTHON (below).
CONTAINER ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null || echo podman)
IMAGE ?= analytics-emulator:$(VERSION)
BASE ?= python:3.11-slim-bookworm
IMAGE_BUILD_FLAGS ?=

.PHONY: run test lint bench fuzz soak dist wheelhouse image image-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $(RUNTIME)

run: $(RUNTIME)
	$(BIN)/analytics-emulator serve --host 127.0.0.1 --port 8023 --scenario default

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check emulator tests bench scripts

$(VENV)/.bench-installed: pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(STAMP) $(VENV)/.bench-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/control/test_openapi.py -q -n 2

soak: $(STAMP)
	$(BIN)/python scripts/soak.py

# The wheel and the sdist in dist/ (docs/install.md: nothing is published on a package index).
$(VENV)/.dist-installed: pyproject.toml | $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[dist]'
	touch $@

dist: $(VENV)/.dist-installed
	rm -rf dist/*.whl dist/*.tar.gz
	$(BIN)/python -m build --outdir dist .

# The wheel and every dependency as a wheel: what the image installs from, with no download inside it.
# The binary wheels are this Python's; WHEEL_PYTHON=3.12 fetches CPython 3.12 manylinux ones instead
# (for BASE=python:3.12-slim).
WHEEL := dist/analytics_emulator-$(VERSION)-py3-none-any.whl
WHEEL_PYTHON ?=
MANYLINUX := --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
wheelhouse: dist
	rm -rf dist/wheelhouse
ifeq ($(WHEEL_PYTHON),)
	$(BIN)/python -m pip wheel --quiet --wheel-dir dist/wheelhouse $(WHEEL)
else
	$(BIN)/python -m pip download --quiet --dest dist/wheelhouse --only-binary=:all: --implementation cp \
		--python-version $(WHEEL_PYTHON) $(MANYLINUX) $(WHEEL)
endif

image: wheelhouse
	$(CONTAINER) build $(if $(findstring podman,$(CONTAINER)),--format docker) $(IMAGE_BUILD_FLAGS) \
		--build-arg BASE=$(BASE) -t $(IMAGE) -f Containerfile .

# Build the image on a local Debian base under podman and check it answers (skips without podman).
image-test: $(RUNTIME)
	bash scripts/image_test.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
