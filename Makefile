# liveroll tasks. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# pyenv picks the version in .python-version; 3.11 works too.
PYTHON ?= $(shell command -v python3.12 || command -v python3)

.DEFAULT_GOAL := help
.PHONY: help setup up test lint fmt migrate bench shell clean

help: ## List the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

setup: $(VENV)/.installed ## Install the locked dependencies into .venv

up: setup ## Run the whole platform (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set)
	$(PY) -m config.devstack up

test: setup ## Lint, check migrations, run the whole test suite
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m config.devstack test $(PYTEST_ARGS)

lint: setup ## Lint and format-check only
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

fmt: setup ## Format and fix lint where it can
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

migrate: setup ## Migrate every schema and the tenant template (what a deploy runs)
	$(PY) -m config.devstack migrate

bench: setup ## Run the benchmarks in bench/ (figures go to docs/benchmarks.md)
	$(PY) -m config.devstack bench

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(PY) -m pip install --quiet uv && $(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean: ## Remove the virtualenv and embedded data (.data/)
	rm -rf $(VENV) .data
