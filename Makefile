# Pingan: the front door.   make help
#
# Every target installs what it needs: the virtualenv is synced (uv sync --all-packages --frozen)
# when uv.lock or a pyproject.toml changed since the last sync.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv from PATH; else through the interpreter (where `make venv` pip-installs it)
UV ?= $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
DEVSTACK := $(UV) run --frozen python -m pingan_common.devstack
PYPROJECTS := $(wildcard pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml)
VENV_STAMP := .venv/.synced
UNIT_TIERS := $(wildcard libs/*/tests/unit services/*/tests/unit tests/unit)

ROLE ?= operator
AREA ?=
USER_NAME ?=
PYTEST_ARGS ?=
export PYTEST_ARGS

.PHONY: help venv system-packages run up down status logs token test test-fast test-browser lint typecheck bench bench-parts chaos classifier-eval kpis clean-run

help: ## this list
	@grep -hE '^[a-z][a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --- environment ---------------------------------------------------------------------------

venv: $(VENV_STAMP) ## create / sync the virtualenv (uv sync --all-packages --frozen)

$(VENV_STAMP): uv.lock $(PYPROJECTS)
	@$(UV) --version >/dev/null 2>&1 || { echo "installing uv"; $(PYTHON) -m pip install --quiet uv; }
	@if [ -f uv.lock ]; then $(UV) sync --all-packages --frozen --quiet; else $(UV) sync --all-packages --quiet; fi
	@touch $@

# The Debian packages beside the wheels: the CJK font (agreement PDFs, the console's pages),
# pdftoppm for the PDF test and Chromium for the console's browser tests
# (scripts/ensure-system-packages.sh; installs only what is missing).
system-packages: ## install fonts-noto-cjk, poppler-utils and chromium when missing (apt-get, as root)
	@scripts/ensure-system-packages.sh

# --- the local stack -----------------------------------------------------------------------

run: $(VENV_STAMP) system-packages ## start everything in the foreground (Ctrl-C stops it)
	@$(DEVSTACK) run

up: $(VENV_STAMP) system-packages ## start everything in the background, return when ready
	@$(DEVSTACK) up

down: $(VENV_STAMP) ## stop the background stack
	@$(DEVSTACK) down

status: $(VENV_STAMP) ## which components are up
	@$(DEVSTACK) status

logs: $(VENV_STAMP) ## follow all logs (.run/logs/*.log)
	@$(DEVSTACK) logs

token: $(VENV_STAMP) ## print a bearer token: make token ROLE=operator [AREA=331199001] [USER_NAME=...]
	@$(DEVSTACK) token --role "$(ROLE)" $(if $(AREA),--area "$(AREA)") $(if $(USER_NAME),--user "$(USER_NAME)")

clean-run: $(VENV_STAMP) ## stop the stack and delete .run/ (databases, keys, logs)
	@$(DEVSTACK) down
	rm -rf .run

# --- checks --------------------------------------------------------------------------------

# What CI runs (.ci/run): lint, then the type checker, then every test; the first failure stops it.
test: lint typecheck system-packages ## lint + typecheck, then all the tests (PYTEST_ARGS="-k outbox -x" for options)
	@UV="$(UV)" scripts/run-tests.sh

# Only the unit folders are collected (the marker alone would import every service test too).
test-fast: $(VENV_STAMP) ## the unit tier only (pytest -m unit: no database, broker or app start-up)
	@UV="$(UV)" scripts/run-tests.sh -m unit $(UNIT_TIERS)

test-browser: $(VENV_STAMP) system-packages ## the console in headless Chromium over the whole platform (tests/browser)
	@UV="$(UV)" scripts/run-tests.sh tests/browser

lint: $(VENV_STAMP) ## ruff check + format --check, event schemas up to date, import boundaries
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen python -m pingan_common.events.schemagen --check
	$(UV) run --frozen lint-imports --no-cache

typecheck: $(VENV_STAMP) ## mypy with the pydantic plugin over the packages in pyproject's [tool.mypy]
	$(UV) run --frozen mypy

# BENCH_ARGS="--rates 5,20 --seconds 30" for a shorter run; results in .run/bench/load.json.
bench: $(VENV_STAMP) ## one-run benchmark of the running stack (starts it if needed): raw ceilings, idle, open-loop load at 5/20/50/100 per s, CPU per ticket (docs/performance.md)
	@$(DEVSTACK) up
	@$(UV) run --frozen python scripts/bench_load.py $(BENCH_ARGS)

bench-parts: $(VENV_STAMP) ## the component benchmarks: idle windows, closed-loop pipeline, intake, dispatch, notify
	@$(DEVSTACK) up
	@$(UV) run --frozen python scripts/bench_idle.py
	@$(UV) run --frozen python scripts/bench.py
	@$(UV) run --frozen python scripts/bench_intake.py
	@$(UV) run --frozen python scripts/bench_dispatch.py
	@$(UV) run --frozen python scripts/bench_notify.py

# CHAOS_ARGS="--faults kill:intake,broker --duration 60" for a shorter drill (docs/chaos.md).
# A stack it starts has no quiet hours, so that every receipt can be delivered at any hour.
chaos: $(VENV_STAMP) ## chaos drill on the running stack (starts it if needed): kill -9 each service, lose the broker, pause and restart PostgreSQL, poison; proves no ticket lost or doubled
	@PINGAN_NOTIFY_QUIET_HOURS_START=00:00 PINGAN_NOTIFY_QUIET_HOURS_END=00:00 $(DEVSTACK) up
	@$(UV) run --frozen python scripts/chaos.py $(CHAOS_ARGS)

classifier-eval: $(VENV_STAMP) ## classifier accuracy on the held-out split of the labelled tickets
	@$(UV) run --frozen python scripts/evaluate_classifier.py

kpis: $(VENV_STAMP) ## the county's KPIs (三率) and township ranking over the demo history
	@$(UV) run --frozen python scripts/kpi_report.py --by township
