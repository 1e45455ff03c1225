# ml2dl — Machine Learning to Deep Learning.  `make help` lists the targets.
#
#   make lab          set up .venv (once), fetch the small data, open JupyterLab on the course index
#   make test         set up .venv (once), fetch the small data, lint + unit tests + every notebook (quick)
#   make update       bring your clone up to date with the course: your edits kept, the rest new (README)
#   make test-slow    the student notebooks that train for minutes, once per exercise solved alone (~15 min)
#   make run          execute every notebook headless; executed copies + results table in build/
#   make student      regenerate the student edition (student/) and the grader's expected values from notebooks/
#   make ko           build the Korean edition (ko/notebooks/, ko/student/) from notebooks/ and i18n/ko/*.po
#   make ko-update    bring i18n/ko/*.po up to date with the English cells (changed ones marked fuzzy) [PENDING=1]
#   make readme       rewrite README.md's syllabus, benchmark and seed tables from the committed results/*.json
#   make lock         re-resolve requirements.lock and binder/requirements.txt from the top-level pins (network)
#   make badge        rewrite README.md's Binder badge from pyproject.toml ([project.urls] and [tool.ml2dl])
#   make site         execute every notebook (make run) and build the course website into build/site/ (offline)
#   make site-serve   serve build/site/ on http://127.0.0.1:8000/ (SITE_PORT=... for another port) for a look
#   make test-site    load every page of build/site/ in Chromium (Playwright): titles, figures, links, no errors
#   make test-ui      run the first Day 1 notebook through JupyterLab in Chromium; screenshots in build/browser/
#   make test-binder  build a Binder environment from binder/ as repo2docker would and try it (minutes)
#   make classroom-link  print the nbgitpuller link students click: REPO=<clone URL> BRANCH=<branch> [HUB=<hub URL>]
#   make test-classroom  real JupyterHubs on loopback over TLS: students pull the course with nbgitpuller and run Day 1; system accounts (PAM, sudospawner; as root) release, submit, grade (minutes)
#   make classroom-load  measure N = 2, 4, 8 students at once on a loopback hub; rewrite classroom/capacity.json (long)
#   make assignment      build and release a day's assignment for nbgrader, graded on hidden cases: DAY=1 [GRADING=dir] [ONLY=ex1_linear_regression]
#   make grade           collect, autograde, feedback and the gradebook CSV of a day: DAY=1 [GRADING=dir]
#
# Variables: PYTHON (interpreter that creates .venv: Python 3.11, default python3), PROFILE (quick|full
# for `make run`, default: $ML2DL_PROFILE or quick), NOTEBOOKS (for `make run`, default: all), SEED (for
# `make run`: re-run with another seed to measure the spread, default 42), OUT (default build), INTO (for
# `make run`: also put the rows into that results file, e.g. results/full-seed42.json),
# UPGRADE=1 (for `make lock`: move every pin beneath the top level to its newest version), REPO, BRANCH
# and HUB (for `make classroom-link`).

PYTHON   ?= python3
# The one Python version the lock is made for (binder/runtime.txt says the same).
PYTHON_VERSION := 3.11
VENV     ?= .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.ml2dl-installed
# The package metadata ([project] and [build-system] of pyproject.toml), rewritten only when it changes:
# an edit to the lint or test settings in pyproject.toml does not reinstall the environment.
META     := $(VENV)/.ml2dl-metadata
LOCK     := requirements.lock
BINDER_LOCK := binder/requirements.txt
BOOK_LOCK := book/requirements.txt
PROFILE  ?= $(or $(ML2DL_PROFILE),quick)
NOTEBOOKS ?=
SEED     ?=
OUT      ?= build
# The Korean notebooks (the solutions edition, ko/notebooks/), which `make test` runs under nbval like
# the English ones: their code is the English code but for its messages' text (tests/test_i18n.py), and
# they set ML2DL_LANG=ko, so this proves the Korean messages, checks and figures (about 12 min, quick).
KO_NBVAL := ko/notebooks
PYTEST_NB := --nbval-lax --nbval-current-env --nbval-cell-timeout=1200
# JupyterLab refuses to start as root (e.g. in a container) unless told it may.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)
# The target to name in messages ("make lab PYTHON=python3.11").
GOAL     := $(or $(firstword $(MAKECMDGOALS)),lab)

.PHONY: help venv data lab test test-slow update lint run readme student ko ko-update clean lock badge test-binder git-filter FORCE \
  site site-book site-serve test-site test-ui \
  classroom-venv classroom-proxy classroom-lock classroom-link classroom-load test-classroom assignment grade

help:
	@sed -n 's/^#   //p' Makefile

# ---------------------------------------------------------------------------------------------------
# The virtual environment: created if missing; installed from the lock, again only when the lock or
# the package metadata change. Nothing here needs the network once it is installed.
# ---------------------------------------------------------------------------------------------------

$(BIN)/python:
	@v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	if [ -z "$$v" ]; then \
	  echo "make: '$(PYTHON)' does not run. ml2dl needs Python $(PYTHON_VERSION): install it, then run: make $(GOAL) PYTHON=python$(PYTHON_VERSION)"; exit 1; \
	elif [ "$$v" != "$(PYTHON_VERSION)" ]; then \
	  echo "make: ml2dl needs Python $(PYTHON_VERSION), but '$(PYTHON)' is Python $$v. Pass another interpreter: make $(GOAL) PYTHON=python$(PYTHON_VERSION)"; exit 1; \
	fi
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "make: '$(PYTHON) -m venv $(VENV)' failed (above). On Debian/Ubuntu install the venv module first: sudo apt install python$(PYTHON_VERSION)-venv, then run: make $(GOAL)"; exit 1; }

# Stops with one line saying how to fix a .venv that cannot install anything.
define CHECK_VENV
v=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || { \
  echo "make: $(VENV) is broken: $(BIN)/python does not run (was the Python it was made from removed?). Fix: rm -rf $(VENV) && make $(GOAL)"; exit 1; }; \
[ "$$v" = "$(PYTHON_VERSION)" ] || { \
  echo "make: $(VENV) was made with Python $$v; ml2dl needs $(PYTHON_VERSION). Fix: rm -rf $(VENV) && make $(GOAL) PYTHON=python$(PYTHON_VERSION)"; exit 1; }; \
$(BIN)/python -m pip --version >/dev/null 2>&1 || { \
  echo "make: $(VENV) is broken: it has no pip (it was made without ensurepip; on Debian/Ubuntu: sudo apt install python$(PYTHON_VERSION)-venv). Fix: rm -rf $(VENV) && make $(GOAL)"; exit 1; }
endef

$(META): FORCE | $(BIN)/python
	@$(BIN)/python -c 'import json, tomllib; d = tomllib.load(open("pyproject.toml", "rb")); print(json.dumps({k: d.get(k) for k in ("build-system", "project")}, sort_keys=True))' > $@.new \
	  || { rm -f $@.new; echo "make: could not read pyproject.toml with $(BIN)/python (above). If $(VENV) is broken: rm -rf $(VENV) && make $(GOAL)"; exit 1; }
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

# Hash-checked install of the lock, then the helpers package (no build isolation: setuptools comes
# from the lock, so this works offline).
$(STAMP): $(LOCK) $(META) | $(BIN)/python
	@$(CHECK_VENV)
	$(BIN)/python -m pip install --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --no-deps --no-build-isolation -e .
	touch $@

venv: $(STAMP)

# Notebooks are committed without outputs and without the metadata JupyterLab adds when it opens or
# runs them: nbstripout as a git filter (see .gitattributes) cleans what git sees, so `git diff` stays
# empty after opening or running a notebook; JupyterLab's save hook (tools/lab.py, set by `make lab`)
# refreshes git's index after each save so that `git status` is clean too. Installed into .git/config.
NBSTRIPOUT_KEYS := metadata.language_info.codemirror_mode metadata.language_info.file_extension \
  metadata.language_info.mimetype metadata.language_info.nbconvert_exporter \
  metadata.language_info.pygments_lexer metadata.language_info.version \
  cell.metadata.trusted cell.metadata.jp-MarkdownHeadingCollapsed
# The Python that runs nbstripout (default: the environment's).
FILTER_PYTHON ?=
NB_PYTHON = $(or $(FILTER_PYTHON),$(abspath $(BIN))/python)

git-filter: $(if $(FILTER_PYTHON),,$(STAMP))
	@if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$$(pwd -P)" ]; then \
	  git config filter.nbstripout.clean '"$(NB_PYTHON)" -m nbstripout --keep-id' && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.extrakeys '$(strip $(NBSTRIPOUT_KEYS))' && \
	  git config diff.ipynb.textconv '"$(NB_PYTHON)" -m nbstripout --keep-id -t'; \
	fi

# ---------------------------------------------------------------------------------------------------
# The course
# ---------------------------------------------------------------------------------------------------

# The small course data (text files + MNIST test set); verified by sha256, cached in datasets/cache.
data: $(STAMP)
	$(BIN)/python -m helpers.datastore

# JupyterLab's settings for the course (binder/overrides.json: no "get notified about Jupyter news?"
# popup, no update check; both ask the network), installed where JupyterLab reads defaults. Binder's
# postBuild installs the same file.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

$(LAB_OVERRIDES): binder/overrides.json $(STAMP)
	mkdir -p $(dir $@)
	cp binder/overrides.json $@

lab: $(STAMP) $(LAB_OVERRIDES) git-filter
	-$(BIN)/python -m helpers.datastore || echo "WARNING: some data could not be fetched (see above); notebooks that need it will say so."
	PYTHONPATH=$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH} $(BIN)/jupyter lab $(LAB_ARGS) --FileContentsManager.post_save_hook=tools.lab.post_save notebooks/index.ipynb

lint: $(STAMP)
	$(BIN)/ruff check helpers tests tools
	$(BIN)/ruff format --check helpers tests tools

# The browser tests (marker `browser`) have their own targets, test-site and test-ui, below.
test: data lint git-filter
	ML2DL_PROFILE=quick ML2DL_STRICT_CHECKS=1 $(BIN)/python -m pytest -p no:cacheprovider -m "not browser and not slow" tests notebooks $(KO_NBVAL) $(PYTEST_NB)

# A student's clone brought up to date without losing their work (tools/update.py; README "Updating").
update: $(STAMP)
	$(BIN)/python -m tools.update $(if $(REMOTE),--remote $(REMOTE)) $(if $(BRANCH),--branch $(BRANCH))

# The student notebooks that train for minutes, run once per graded function solved alone (~15 min on 2 cores).
test-slow: data $(STAMP)
	ML2DL_PROFILE=quick $(BIN)/python -m pytest -p no:cacheprovider -m slow -v tests/test_student_alive.py

run: data
	ML2DL_STRICT_CHECKS=1 $(BIN)/python -m tools.run --profile $(PROFILE) --out $(OUT) $(if $(SEED),--seed $(SEED)) $(if $(INTO),--into $(INTO)) $(NOTEBOOKS)

# The student edition (student/: every solution region becomes a stub, every answer cell "YOUR ANSWER
# HERE") and helpers/exercise_data/*.json (the grader's expected values), both made from notebooks/,
# the solutions edition, by tools/student.py. `make test` fails when they are stale.
student: data
	$(BIN)/python -m tools.student

# The Korean edition (한국어판): ko/notebooks/ and ko/student/, made from notebooks/ and the catalogues
# i18n/ko/*.po by tools/i18n.py (its docstring says how a translation is kept current). `make ko-update`
# brings the catalogues up to date with the English cells (a changed cell's entry is marked fuzzy, and
# `make test` names it until its Korean is updated); PENDING=1 marks every untranslated entry pending
# instead (shown in English with a note), so an English fix never waits for its translation.
ko: $(STAMP)
	$(BIN)/python -m tools.i18n build

ko-update: $(STAMP)
	$(BIN)/python -m tools.i18n update $(if $(PENDING),--pending)

# README.md's generated tables (between <!-- generated:...:begin/end --> markers) from results/*.json,
# the committed copies of build/results.json (results/{profile}-seed{seed}.json).
readme: $(STAMP)
	$(BIN)/python -m tools.readme

# README.md's Binder badge (between <!-- binder-badge:begin/end --> markers) from pyproject.toml.
badge: $(STAMP)
	$(BIN)/python tools/binder_badge.py

# ---------------------------------------------------------------------------------------------------
# The course website: `make run` executes every notebook into build/site-run (PROFILE=quick by
# default, PROFILE=full allowed); tools/site.py stages a Jupyter Book 1.x source from the executed
# copies (build/site-src); jupyter-book, installed from book/requirements.txt into its own
# environment (build/site-tools), builds the HTML into build/site/ with no network.
# Browser tests drive Debian's Chromium (apt package `chromium`; .ci/run installs it) with Playwright.
# ---------------------------------------------------------------------------------------------------

SITE_TOOLS := build/site-tools
SITE_STAMP := $(SITE_TOOLS)/.installed
SITE_RUN   := build/site-run
SITE_PORT  ?= 8000
CHROMIUM   ?= /usr/bin/chromium
PYTEST_BROWSER := ML2DL_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -p no:cacheprovider -m browser -v

$(SITE_STAMP): $(BOOK_LOCK) | $(BIN)/python
	$(BIN)/python -m venv $(SITE_TOOLS)
	$(SITE_TOOLS)/bin/python -m pip install --quiet --require-hashes -r $(BOOK_LOCK)
	touch $@

site: data $(SITE_STAMP)
	$(MAKE) run OUT=$(SITE_RUN)
	$(MAKE) site-book

# The HTML from the last `make site` run, without executing the notebooks again.
site-book: $(STAMP) $(SITE_STAMP)
	$(BIN)/python -m tools.site --run $(SITE_RUN) --out build/site-src
	rm -rf build/site build/site-book
	$(SITE_TOOLS)/bin/jupyter-book build --quiet --path-output build/site-book build/site-src
	mv build/site-book/_build/html build/site
	@echo "The course website: build/site/index.html (make site-serve to serve it)"

site-serve: $(STAMP)
	@test -f build/site/index.html || { echo "make: build/site/ is not built yet: run make site"; exit 1; }
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory build/site $(SITE_PORT)

define CHECK_CHROMIUM
test -x $(CHROMIUM) || { echo "make: $(CHROMIUM) not found: the browser tests drive Debian's Chromium. Install it: sudo apt-get install chromium (or pass CHROMIUM=/path/to/chromium)"; exit 1; }
endef

test-site: $(STAMP)
	@$(CHECK_CHROMIUM)
	@test -f build/site/index.html || { echo "make: build/site/ is not built yet: run make site"; exit 1; }
	$(PYTEST_BROWSER) tests/test_site.py

test-ui: data $(STAMP) $(LAB_OVERRIDES)
	@$(CHECK_CHROMIUM)
	$(PYTEST_BROWSER) tests/test_ui.py

# ---------------------------------------------------------------------------------------------------
# The lock: requirements.txt (top-level pins, edited by hand) -> requirements.lock (every package,
# pinned, with hashes, for Linux, macOS and Windows); binder/requirements.in (Binder's top level:
# CPU-only TensorFlow, no test tools) -> binder/requirements.txt, constrained to the course lock so
# both environments share every version. Needs the network; uv is installed into build/lock-tools.
# ---------------------------------------------------------------------------------------------------

UV_VERSION := 0.13.9
LOCK_TOOLS := build/lock-tools
UV ?= $(LOCK_TOOLS)/bin/uv
UPGRADE ?=
UV_COMPILE = $(UV) pip compile --quiet --generate-hashes --python-version $(PYTHON_VERSION) \
  --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

$(LOCK_TOOLS)/bin/uv:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)

lock: $(UV)
	$(UV_COMPILE) --universal -o $(LOCK) requirements.txt
	$(UV_COMPILE) --universal -c $(LOCK) -o $(BINDER_LOCK) binder/requirements.in
	$(UV_COMPILE) --universal -o $(BOOK_LOCK) book/requirements.in

# ---------------------------------------------------------------------------------------------------
# Binder, as far as this machine can imitate repo2docker: a fresh environment from binder/ (the Binder
# lock), binder/postBuild, then binder/start. Downloads the Binder packages the first time (minutes).
# ---------------------------------------------------------------------------------------------------

test-binder: $(STAMP)
	ML2DL_BINDER_BUILD=1 $(BIN)/python -m pytest -p no:cacheprovider -v tests/test_binder_build.py

# ---------------------------------------------------------------------------------------------------
# The classroom (classroom/, README "Teaching a class"): JupyterHub + nbgitpuller. The hub's own
# environment (build/classroom/venv, from the hash-locked classroom/requirements.txt, versions shared
# with the course lock) and Node's configurable-http-proxy (build/classroom/node_modules, `npm ci`
# from classroom/package-lock.json); the students' kernels run the course's .venv.
# ---------------------------------------------------------------------------------------------------

CLASSROOM       := build/classroom
CLASSROOM_LOCK  := classroom/requirements.txt
CLASSROOM_STAMP := $(CLASSROOM)/venv/.ml2dl-installed
CLASSROOM_CHP   := $(CLASSROOM)/node_modules/.bin/configurable-http-proxy
NBGRADER_OFF    := nbgrader:formgrader nbgrader:create-assignment nbgrader:course-list
REPO   ?=
DAY    ?=
GRADING ?=
ONLY   ?=
BRANCH ?=
HUB    ?=

$(CLASSROOM_STAMP): $(CLASSROOM_LOCK) | $(BIN)/python
	rm -rf $(CLASSROOM)/venv
	$(PYTHON) -m venv $(CLASSROOM)/venv
	$(CLASSROOM)/venv/bin/python -m pip install --require-hashes -r $(CLASSROOM_LOCK)
	mkdir -p $(CLASSROOM)/venv/share/jupyter/lab/settings
	cp binder/overrides.json $(CLASSROOM)/venv/share/jupyter/lab/settings/overrides.json
	# students get nbgrader's Assignments tab; grading stays the instructor's (make grade), so the
	# formgrader, "create assignment" and the course list are off in their servers
	$(CLASSROOM)/venv/bin/jupyter server extension disable --sys-prefix \
	  nbgrader.server_extensions.formgrader nbgrader.server_extensions.course_list
	$(CLASSROOM)/venv/bin/jupyter labextension disable --level=sys_prefix $(NBGRADER_OFF)
	$(CLASSROOM)/venv/bin/jupyter labextension lock --level=sys_prefix $(NBGRADER_OFF)
	touch $@

classroom-venv: $(CLASSROOM_STAMP)

$(CLASSROOM_CHP): classroom/package.json classroom/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: npm not found. The classroom's proxy needs Node.js >= 20 with npm (Debian/Ubuntu: sudo apt install nodejs npm)"; exit 1; }
	mkdir -p $(CLASSROOM)
	cp classroom/package.json classroom/package-lock.json $(CLASSROOM)/
	cd $(CLASSROOM) && npm ci --no-audit --no-fund
	touch $@

classroom-proxy: $(CLASSROOM_CHP)

classroom-lock: $(UV)
	$(UV) pip compile --quiet --generate-hashes --python-version $(PYTHON_VERSION) \
	  --custom-compile-command "make classroom-lock" $(if $(UPGRADE),--upgrade) \
	  --universal -c $(LOCK) -o $(CLASSROOM_LOCK) classroom/requirements.in
	cd classroom && npm install --package-lock-only --no-audit --no-fund

# Needs no environment: any Python 3 prints it.
classroom-link:
	@$(PYTHON) -m tools.classroom_config link --repo "$(REPO)" --branch "$(BRANCH)" --hub "$(HUB)"

test-classroom: data classroom-venv classroom-proxy
	ML2DL_CLASSROOM=1 ML2DL_PROFILE=quick $(BIN)/python -m pytest -p no:cacheprovider -v tests/test_classroom.py tests/test_classroom_accounts.py tests/test_grading.py

# Grading (README "Teaching a class"): nbgrader's course folder GRADING (default ~/ml2dl-grading, the
# instructor's own), assignments per DAY (ONLY: some of the day's notebooks), graded on hidden cases.
assignment: data $(STAMP)
	@test -n "$(DAY)" || { echo "make: say which day, e.g. make assignment DAY=1"; exit 2; }
	$(BIN)/python -m tools.grading assignment --day $(DAY) $(if $(GRADING),--root $(GRADING)) $(if $(ONLY),--only $(ONLY))

grade: data $(STAMP)
	@test -n "$(DAY)" || { echo "make: say which day, e.g. make grade DAY=1"; exit 2; }
	$(BIN)/python -m tools.grading grade --day $(DAY) $(if $(GRADING),--root $(GRADING))

classroom-load: data classroom-venv classroom-proxy
	nice -n 10 $(BIN)/python -m tools.classroom_load

clean:
	rm -rf build .pytest_cache .ruff_cache
