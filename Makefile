# ledgerlink: `make demo` and `make test` set everything up on a machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
TAP_VENV := .venv-tap
STAMP := $(VENV)/.installed
TAP_STAMP := $(TAP_VENV)/.installed
PY := $(VENV)/bin/python

.PHONY: demo test lint typecheck unit emulator coverage-doc bench xero-openapi clean chromium

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

# Options through make: make demo DEMO_ARGS="--hub-port 9000 --fresh" (ledgerlink demo --help).
demo: $(STAMP)
	$(VENV)/bin/ledgerlink demo $(DEMO_ARGS)

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

# The browser tests (tests/browser) drive Debian's Chromium through Playwright; no browser is
# ever downloaded (never `playwright install`). Installed here when missing and we are root
# (CI); elsewhere a note, and the browser tests skip (under CI=true they fail instead).
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq chromium >/dev/null; \
	  elif [ "$$CI" = true ]; then \
	    echo "$(CHROMIUM) is missing and cannot be installed (not root or no apt-get)" >&2; \
	    exit 1; \
	  else \
	    echo "note: $(CHROMIUM) is missing; the browser tests will skip" \
	      "(install it with: sudo apt-get install chromium)"; \
	  fi; \
	fi

test: xero-openapi $(STAMP) $(TAP_STAMP) chromium lint typecheck
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
