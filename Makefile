# ledgerlink: `make demo` and `make test` set everything up on a machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
TAP_VENV := .venv-tap
STAMP := $(VENV)/.installed
TAP_STAMP := $(TAP_VENV)/.installed
PY := $(VENV)/bin/python

.PHONY: demo test lint typecheck unit emulator coverage-doc clean

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

unit: $(STAMP)
	$(VENV)/bin/pytest -q

test: $(STAMP) $(TAP_STAMP) lint typecheck
	LEDGERLINK_TAP_XERO=$(abspath $(TAP_VENV))/bin/tap-xero $(VENV)/bin/pytest -q

emulator: $(STAMP)
	$(VENV)/bin/ledgerlink emulator serve

coverage-doc: $(STAMP)
	$(PY) scripts/emulator_coverage.py > docs/emulator-coverage.md.tmp
	mv docs/emulator-coverage.md.tmp docs/emulator-coverage.md

clean:
	rm -rf $(VENV) $(TAP_VENV) .pytest_cache .mypy_cache .ruff_cache
