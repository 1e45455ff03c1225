# ml2dl — Machine Learning to Deep Learning.  `make help` lists the targets.
#
#   make lab    set up .venv (once), fetch the small data, open JupyterLab on the course index
#   make test   set up .venv (once), fetch the small data, lint + unit tests + every notebook (quick)
#   make run    execute every notebook headless; executed copies + results table in build/
#   make readme rewrite README.md's syllabus, benchmark and seed tables from the committed results/*.json
#
# Variables: PYTHON (interpreter that creates .venv, default python3), PROFILE (quick|full for
# `make run`, default: $ML2DL_PROFILE or quick), NOTEBOOKS (for `make run`, default: all), SEED (for
# `make run`: re-run with another seed to measure the spread, default 42), OUT (default build).

PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.ml2dl-installed
PROFILE  ?= $(or $(ML2DL_PROFILE),quick)
NOTEBOOKS ?=
SEED     ?=
OUT      ?= build
PYTEST_NB := --nbval-lax --nbval-current-env --nbval-cell-timeout=1200
# JupyterLab refuses to start as root (e.g. in a container) unless told it may.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv data lab test lint run readme clean

help:
	@sed -n 's/^#   //p' Makefile

# The virtual environment: created if missing, re-installed only when the requirements change.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

venv: $(STAMP)

# The small course data (text files + MNIST test set); verified by sha256, cached in datasets/cache.
data: $(STAMP)
	$(BIN)/python -m helpers.data

lab: $(STAMP)
	-$(BIN)/python -m helpers.data || echo "WARNING: some data could not be fetched (see above); notebooks that need it will say so."
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/index.ipynb

lint: $(STAMP)
	$(BIN)/ruff check helpers tests
	$(BIN)/ruff format --check helpers tests

test: data lint
	ML2DL_PROFILE=quick $(BIN)/python -m pytest -p no:cacheprovider tests notebooks $(PYTEST_NB)

run: data
	$(BIN)/python -m helpers.run --profile $(PROFILE) --out $(OUT) $(if $(SEED),--seed $(SEED)) $(NOTEBOOKS)

# README.md's generated tables (between <!-- generated:...:begin/end --> markers) from results/*.json,
# the committed copies of build/results.json (results/{profile}-seed{seed}.json).
readme: $(STAMP)
	$(BIN)/python -m helpers.readme

clean:
	rm -rf build .pytest_cache .ruff_cache
