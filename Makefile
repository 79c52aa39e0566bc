# G60 Portal — two commands: `make run` (site on demo content) and `make test`.
SHELL := /bin/sh
.DEFAULT_GOAL := help

PYTHON ?=
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TOOLS := tools/node_modules/.installed
PORT ?= 8000

.PHONY: help install tools run serve test lint format bench db-stop messages clean

help:
	@echo "make run    set up and run the site with demo content on http://127.0.0.1:$(PORT)"
	@echo "make test   set up and run the whole test suite (unit, integration, browser)"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check"
	@echo "make bench  print speed figures"

$(STAMP): pyproject.toml
	@if [ ! -x $(PY) ]; then \
		python="$(PYTHON)"; [ -n "$$python" ] || python="$$(scripts/find-python)" || exit 1; \
		echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The page checkers the tests run (axe-core, the Nu HTML Checker) come from npm, pinned by
# tools/package-lock.json. Without npm the accessibility tests skip loudly (fail in CI).
$(TOOLS): tools/package.json tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tools --no-audit --no-fund --loglevel=error && touch $(TOOLS); \
	else \
		echo "!!! npm not found: the accessibility tests will be skipped (apt-get install npm)"; \
	fi

tools: $(TOOLS)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m g60portal.devserver --port $(PORT)

serve: run

test: $(STAMP) $(TOOLS)
	$(PY) -m g60portal.embedded_db run -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m g60portal.embedded_db run -- $(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) $(TOOLS)
	$(PY) -m g60portal.embedded_db run --database g60portal_bench -- $(PY) manage.py bench $(BENCH_ARGS)

messages: $(STAMP)
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

db-stop: $(STAMP)
	$(PY) -m g60portal.embedded_db stop

clean:
	rm -rf $(VENV) staticfiles tools/node_modules
