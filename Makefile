# Occitanie IA Assistant — the two commands a newcomer needs: `make run`, `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: services help install models index run serve test test-fast lint format check bench browsers clean-index llm llm-wheel screenshots

help:
	@echo "make run        install, fetch and verify models, build the index, serve http://127.0.0.1:7860"
	@echo "make test       install what the tests need and run the whole suite (CI runs this)"
	@echo "make test-fast  unit and integration tests, without the slow end-to-end ones"
	@echo "make bench      benchmarks (bench/)"
	@echo "make screenshots  regenerate the README's gallery (docs/screenshots/*.png) in Chromium"
	@echo "make llm        generative mode: llama-cpp-python (compiled once, cached) and the GGUF"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency declarations change.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# --- generative mode (optional extra .[llm]) ---------------------------------------
# llama-cpp-python ships as source only (5-15 min to compile on 2 cores): the wheel is
# built once into a cache outside the repository, keyed by version and build options,
# and reused by every later `make llm` (CI keeps it, and the models dir, between runs).
LLAMA_CPP_VERSION := 0.3.36
WHEELS_CACHE ?= $(HOME)/.cache/occitanie-ia-assistant/wheels
# Portable x86-64-v3 build (AVX2/FMA/F16C): no -march=native, so a shared cache never
# hands a machine code its CPU lacks (native AVX-512 measured no faster here).
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
  -DGGML_BMI2=ON -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
BUILD_KEY := $(shell (uname -m; echo '$(LLAMA_CMAKE_ARGS)') | sha256sum | cut -c1-12)
LLAMA_WHEELS := $(WHEELS_CACHE)/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(BUILD_KEY)
LLM_STAMP := $(VENV)/.installed-llm-$(BUILD_KEY)

llm-wheel: | $(BIN)/python
	@if ls "$(LLAMA_WHEELS)"/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1; then \
	  echo "llama-cpp-python $(LLAMA_CPP_VERSION): cached wheel in $(LLAMA_WHEELS)"; \
	else \
	  echo "llama-cpp-python $(LLAMA_CPP_VERSION): compiling once (5-15 min on 2 cores)..."; \
	  mkdir -p "$(WHEELS_CACHE)" && tmp=$$(mktemp -d "$(WHEELS_CACHE)/.build-XXXXXX") && \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
	    $(BIN)/python -m pip wheel --quiet --no-deps -w "$$tmp" llama-cpp-python==$(LLAMA_CPP_VERSION) && \
	  mkdir -p "$(LLAMA_WHEELS)" && mv "$$tmp"/llama_cpp_python-*.whl "$(LLAMA_WHEELS)/" && \
	  rm -rf "$$tmp"; \
	fi

$(LLM_STAMP): pyproject.toml constraints.txt $(STAMP) | llm-wheel
	$(BIN)/python -m pip install --quiet -c constraints.txt --find-links "$(LLAMA_WHEELS)" \
	  --only-binary llama-cpp-python -e ".[dev,llm]"
	touch $(LLM_STAMP)

llm: $(LLM_STAMP)
	$(BIN)/assistant models fetch --llm

models: install
	$(BIN)/assistant models fetch

index: models
	$(BIN)/assistant index

run: index
	$(BIN)/assistant serve

serve: run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check assistant ui tests bench

format: install
	$(BIN)/ruff format assistant ui tests bench
	$(BIN)/ruff check --fix .

check: install
	$(BIN)/assistant corpus check

# Browser tests drive Debian's Chromium with Playwright (never `playwright install`).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browsers: $(CHROMIUM)
$(CHROMIUM):
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium fonts-dejavu-core

# Real services the storage and scale-out tests start themselves (Debian's packages).
PG_CTL := $(firstword $(wildcard /usr/lib/postgresql/*/bin/pg_ctl))
services:
	@if [ -z "$(PG_CTL)" ] || ! command -v redis-server >/dev/null; then \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y \
	    --no-install-recommends postgresql redis-server; \
	fi

test: models llm check lint browsers services
	$(BIN)/python -m pytest -q

test-fast: models check services
	$(BIN)/python -m pytest -q -m "not slow"

bench: index
	$(BIN)/python bench/index.py --backend onnx --compare torch
	$(BIN)/python bench/query.py --backends torch,onnx,onnx-int8
	$(BIN)/python bench/load.py --backend onnx --questions unique

# The README's gallery: the browser tests that take the pictures, writing to docs/screenshots.
screenshots: models browsers
	ASSISTANT_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/e2e/test_app_ux.py \
	  -k "source_cards_read_as_sources or phone_chat or agent_view_top_passages or widget_phone or form_blank"

clean-index:
	rm -rf index/current index/builds index/.current.tmp-*
