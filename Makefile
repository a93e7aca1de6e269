# One-command set-up for a fresh machine. `make run` sets up and serves; `make test` runs the suite.
# Python 3.12 or newer is required. With pyenv, .python-version selects 3.12 automatically;
# elsewhere run e.g. `make run PYTHON=python3.12`.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
EDITION_FILE ?= fixtures/edition-1.json
CHROMIUM ?= /usr/bin/chromium
NPM ?= npm

# Local development runs in debug mode on the embedded SQLite database unless told otherwise.
DEV_ENV := DEBUG=$${DEBUG:-true}

.PHONY: run setup serve test lint bench bench-plan bench-wizard loadtest check-python chromium clean

run: setup serve

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null || { \
	  echo "error: Python 3.12 or newer is required, but '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo 'not found')." >&2; \
	  echo "       Install Python 3.12 (for example 'pyenv install 3.12') or name one: make $(MAKECMDGOALS) PYTHON=python3.12" >&2; \
	  exit 1; }

# The virtual environment is rebuilt when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt | check-python
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
	  echo "error: $(VENV) was made with an older Python; remove it (rm -rf $(VENV)) and run make again." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_edition $(EDITION_FILE) --publish --if-absent
	$(DEV_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@$(DEV_ENV) $(PY) manage.py create_demo_accounts

serve: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# The browser tests drive Debian's Chromium; install it when we can (root with apt-get).
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "error: the browser tests need Chromium at $(CHROMIUM): run 'sudo apt-get install chromium'," >&2; \
	    echo "       or point CHROMIUM at another Chromium binary." >&2; exit 1; \
	  fi; \
	fi

# The FHIR tests check the server against independent FHIR software from npm (package.json), installed
# exactly as locked (package-lock.json); reinstalled when either file changes.
node_modules/.installed: package.json package-lock.json .npmrc
	@command -v node >/dev/null 2>&1 && command -v $(NPM) >/dev/null 2>&1 || { \
	  echo "error: the FHIR tests need Node.js 18 or newer and npm: run 'sudo apt-get install nodejs npm'." >&2; exit 1; }
	$(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

test: $(VENV)/.installed chromium node_modules/.installed
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest $(PYTEST_ARGS)

# Not a test: gunicorn with production settings under locust; prints the figures (see docs/benchmarks.md).
# Runs on SQLite, then again on PostgreSQL when DATABASE_URL points at one.
bench: $(VENV)/.installed
	$(PY) benchmarks/load.py $(BENCH_ARGS)

# Not part of make test: 50 clinicians completing wizards for 60 s against gunicorn (production
# settings), then checks every completed flow saved exactly once and every permalink renders.
# SQLite, then PostgreSQL when DATABASE_URL points at one. Exits non-zero when a check fails.
loadtest: $(VENV)/.installed
	$(PY) benchmarks/loadtest.py $(LOADTEST_ARGS)

# Not a test: prints build_plan timings for the first edition and generated 1,000/10,000-statement editions.
bench-plan: $(VENV)/.installed
	$(PY) benchmarks/plan_build.py

# Not a test: prints the median server time of each wizard page and of the summary.
bench-wizard: $(VENV)/.installed
	$(PY) benchmarks/wizard_pages.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

clean:
	rm -rf $(VENV) var staticfiles node_modules .pytest_cache .ruff_cache .mypy_cache
