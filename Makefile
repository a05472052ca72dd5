# Occitanie IA Assistant — the two commands a newcomer needs: `make run`, `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: help install models index run serve test test-fast lint format check bench browsers clean-index

help:
	@echo "make run        install, fetch and verify models, build the index, serve http://127.0.0.1:7860"
	@echo "make test       install what the tests need and run the whole suite (CI runs this)"
	@echo "make test-fast  unit and integration tests, without the slow end-to-end ones"
	@echo "make bench      benchmarks (bench/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency declarations change.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

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

test: models check lint browsers
	$(BIN)/python -m pytest -q

test-fast: models check
	$(BIN)/python -m pytest -q -m "not slow"

bench: index
	$(BIN)/python bench/index.py
	$(BIN)/python bench/query.py
	$(BIN)/python bench/load.py

clean-index:
	rm -rf index/current index/builds index/.current.tmp-*
