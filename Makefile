# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test lint pytest browser migration clean

run: $(VENV)/.installed
	$(BIN)/dialtrail migrate
	$(BIN)/dialtrail demo --first-start
	$(BIN)/dialtrail serve

test: $(VENV)/.installed-dev browser lint pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# Three workers on two cores: half of the suite's time is spent waiting (on PostgreSQL, on
# Chromium, on `dialtrail` processes starting), so two workers left the cores idle half the
# run; four pushed the longest process tests past their timeouts on a busy machine
# (ARCHITECTURE.md, "Testing").
pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -n 3

# Debian's Chromium for the browser tests, installed when missing (see scripts/install-chromium).
browser:
	@scripts/install-chromium

# Autogenerates an Alembic revision from the models: make migration NAME="add numbers"
migration: $(VENV)/.installed-dev
	$(BIN)/python -m dialtrail.storage.new_revision "$(NAME)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
