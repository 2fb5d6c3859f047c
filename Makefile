# Targets document themselves: `make help`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime ## Create .venv and install the runtime dependencies

run: $(VENV)/.runtime ## Start the dashboard on http://127.0.0.1:8050 (SQLite in data/)
	$(PY) -m app serve

test: $(VENV)/.dev ## Run the whole test suite (starts its own PostgreSQL if none runs; installs Chromium and PgBouncer as root)
	tools/ensure-chromium
	tools/ensure-pgbouncer
	node --test tests/js/
	$(PY) -m pytest

lint: $(VENV)/.dev ## ruff lint and format check, import contracts (pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: $(VENV)/.dev ## Run the quick benchmarks (sampler, schema); see docs/benchmarks.md for all
	$(PY) -m bench.sampler
	$(PY) -m bench.schema --hours 6

bench-env: ## Install Glances 4.5 in .bench-venv, for bench/overhead.py's comparison
	test -x .bench-venv/bin/python || $(PYTHON) -m venv .bench-venv
	.bench-venv/bin/python -m pip --disable-pip-version-check -q install "glances[web]==4.5.8"

clean: ## Remove the virtualenv, caches and the local database
	rm -rf $(VENV) .bench-venv .pytest_cache .ruff_cache data artifacts

.PHONY: help install run test lint bench bench-env clean
