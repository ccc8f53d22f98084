# liveroll tasks. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# pyenv picks the version in .python-version; 3.11 works too.
PYTHON ?= $(shell command -v python3.12 || command -v python3)

.DEFAULT_GOAL := help
.PHONY: help setup up test lint fmt migrate messages bench fuzz clean frontend frontend-if-node frontend-check

help: ## List the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

setup: $(VENV)/.installed ## Install the locked dependencies into .venv

up: setup frontend-if-node ## Run the whole platform (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set)
	$(PY) -m devtools.devstack up

test: setup frontend-check ## Lint, check the layers and types, check migrations, run the whole test suite
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy
	$(PY) -m devtools.devstack test $(PYTEST_ARGS)

lint: setup ## Lint, format-check, check the layers (import contracts) and types only
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(VENV)/bin/lint-imports && $(PY) -m mypy

fmt: setup ## Format and fix lint where it can
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

migrate: setup ## Migrate every schema and the tenant template (what a deploy runs)
	$(PY) -m devtools.devstack migrate

# Extracting needs GNU gettext (Django's makemessages); compiling and checking do not.
messages: setup ## Extract the server's strings into locale/*/django.po, then compile the .mo files
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemessages -a --no-obsolete --no-location \
		$(foreach d,.venv .data frontend tests bench devtools zoom_sandbox helm platform,--ignore=$(d))
	$(PY) -m devtools.messages compile

bench: setup ## Run the benchmarks in bench/ (figures go to docs/benchmarks.md)
	$(PY) -m devtools.devstack bench

# `make test` runs the fuzz tests with a few examples each, the same ones every time; `make fuzz`
# runs FUZZ_EXAMPLES a test, new ones every run (a failure prints the example to reproduce it).
FUZZ_EXAMPLES ?= 1000
FUZZ_TESTS := tests/graphql/test_fuzz.py tests/attendance/inbox/test_fuzz.py
fuzz: setup ## Fuzz the GraphQL API and the Zoom webhook path at length (FUZZ_EXAMPLES=1000 a test)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m devtools.devstack test -q $(FUZZ_TESTS) $(PYTEST_ARGS)

frontend: ## Build the SPA served at /app/ (needs Node.js 20.19+; output in frontend/dist)
	npm ci --prefix frontend && npm run build --prefix frontend

# The app's own checks (needs Node.js 20.19+): types generated from schema.graphql, tsc, eslint
# (no literal text in views), the message catalogues of every language agree, vitest.
frontend-check: frontend/node_modules/.package-lock.json ## Check the SPA: generated types, tsc, lint, catalogues, unit tests
	npm run check --prefix frontend

# What `up` uses: the same steps, each only when its inputs changed.
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/codegen.ts schema.graphql
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	npm ci --prefix frontend
	@touch $@
frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	npm run build --prefix frontend

# Without Node.js, or if the build fails, `up` goes on: the server-rendered pages still work.
frontend-if-node:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "make: Node.js not found: the SPA is not built (/app/ answers 503; the other pages work)"; \
	elif ! $(MAKE) --no-print-directory frontend/dist/index.html; then \
		echo "make: the SPA build failed (see above); going on without it. Retry: make frontend"; \
	fi

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(PY) -m pip install --quiet uv && $(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean: ## Remove the virtualenv and embedded data (.data/)
	rm -rf $(VENV) .data
