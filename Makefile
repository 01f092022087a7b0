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
# The first run migrates a new database: on a busy 2-core machine that can take over Prefect's 20 s.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

INPUT  ?= seeds
OUTPUT ?= output
RULES  ?= rules

.PHONY: setup browser run test lint format rules-test review screenshot bench bench-dedup bench-gazetteer bench-incremental clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "postedit needs Python 3.11 (set PYTHON=...)"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -c constraints.txt hatchling editables
	$(PIP) install --no-build-isolation -c constraints.txt -e '.[dev]'
	@$(MAKE) --no-print-directory browser
	@touch $@

# The browser tests drive Debian's chromium (Playwright never downloads a browser here). Installed
# where it is missing and we may install packages; otherwise those tests say they are skipped.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	    || echo "note: could not install chromium: browser tests will be skipped"; \
	else echo "note: chromium is not installed and cannot be installed here: browser tests will be skipped"; fi

run: $(STAMP)
	$(BIN)/postedit run $(INPUT) --rules $(RULES) --output $(OUTPUT) --language en --source-language ar

test: $(STAMP)
	$(BIN)/python -m pytest

rules-test: $(STAMP)
	$(BIN)/postedit rules test --rules $(RULES)

review: $(STAMP)
	$(BIN)/postedit review --output $(OUTPUT) --rules $(RULES)

screenshot: $(STAMP)
	POSTEDIT_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/test_review_browser.py -k reject

# the whole cleanup, stage by stage, against ftfy alone (BENCH_ARGS="--size 10000")
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py $(BENCH_ARGS)

bench-dedup: $(STAMP)
	$(BIN)/python benchmarks/bench_dedup.py $(BENCH_ARGS)

bench-incremental: $(STAMP)
	$(BIN)/python benchmarks/bench_incremental.py $(BENCH_ARGS)

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
