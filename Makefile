# ledgerlink: `make demo` and `make test` set everything up on a machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
TAP_VENV := .venv-tap
STAMP := $(VENV)/.installed
TAP_STAMP := $(TAP_VENV)/.installed
PY := $(VENV)/bin/python

.PHONY: demo test lint typecheck unit emulator coverage-doc bench xero-openapi clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# tap-xero pins old libraries, so it lives in a virtualenv of its own.
$(TAP_STAMP):
	$(PYTHON) -m venv $(TAP_VENV)
	$(TAP_VENV)/bin/pip install --quiet --upgrade pip
	# tap-xero imports six without declaring it.
	$(TAP_VENV)/bin/pip install --quiet 'tap-xero==2.6.0' six
	touch $(TAP_STAMP)

demo: $(STAMP)
	$(VENV)/bin/ledgerlink demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests scripts $(wildcard bench)

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The official Xero OpenAPI files the tests check the emulator against: found (see
# tests/xero_openapi.py) or downloaded at the commit pinned in tests/xero_openapi.lock, hashes
# checked. Standard library only, so it runs first and a clone without them stops at once.
xero-openapi:
	$(PYTHON) -m tests.xero_openapi

unit: xero-openapi $(STAMP)
	$(VENV)/bin/pytest -q

test: xero-openapi $(STAMP) $(TAP_STAMP) lint typecheck
	LEDGERLINK_TAP_XERO=$(abspath $(TAP_VENV))/bin/tap-xero $(VENV)/bin/pytest -q

emulator: $(STAMP)
	$(VENV)/bin/ledgerlink emulator serve

coverage-doc: xero-openapi $(STAMP)
	PYTHONPATH=$(CURDIR) $(PY) scripts/emulator_coverage.py > docs/emulator-coverage.md.tmp
	mv docs/emulator-coverage.md.tmp docs/emulator-coverage.md

# Benchmarks print tables and ratios (bench/README.md); they are not part of `make test`.
bench: $(STAMP)
	$(PY) bench/xero_calls.py --contacts 2000 --invoices 4000 --export 400 --latency-ms 5
	$(PY) bench/api_overhead.py

clean:
	rm -rf $(VENV) $(TAP_VENV) .pytest_cache .mypy_cache .ruff_cache
