# postedit: `make run` cleans seeds/ into output/, `make test` runs the whole suite.
# Both create .venv and install the pinned dependency set (constraints.txt) on first use.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
# Prefect's local ephemeral server keeps its database here, not in the user's home.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

INPUT  ?= seeds
OUTPUT ?= output
RULES  ?= rules

.PHONY: setup run test lint format rules-test bench-dedup bench-gazetteer clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "postedit needs Python 3.11 (set PYTHON=...)"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -c constraints.txt hatchling editables
	$(PIP) install --no-build-isolation -c constraints.txt -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(BIN)/postedit run $(INPUT) --rules $(RULES) --output $(OUTPUT) --language en --source-language ar

test: $(STAMP)
	$(BIN)/python -m pytest

rules-test: $(STAMP)
	$(BIN)/postedit rules test --rules $(RULES)

bench-dedup: $(STAMP)
	$(BIN)/python benchmarks/bench_dedup.py $(BENCH_ARGS)

bench-gazetteer: $(STAMP)
	$(BIN)/python benchmarks/bench_gazetteer.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src flows tests
	$(BIN)/ruff format --check src flows tests

format: $(STAMP)
	$(BIN)/ruff format src flows tests
	$(BIN)/ruff check --fix src flows tests

clean:
	rm -rf $(VENV) .prefect .pytest_cache .ruff_cache
