# Госпомощник — every command a developer or CI needs. `make run` and `make test` set up
# whatever is missing (tools, both virtual environments, chromium, database, model) first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)
PY310 := $(PYENV_ROOT)/versions/3.10.13/bin/python
PY311 := $(or $(wildcard $(PYENV_ROOT)/versions/3.11.*/bin/python),$(shell command -v python3.11))
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
APP_PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# `make run` and the tools it runs use secrets generated once for this checkout (var/secrets.mk,
# never committed); a variable already set in the environment wins. Production sets its own
# and the app refuses the development defaults there (README, docs/security.md).
SECRETS := var/secrets.mk
ifneq ($(filter run demo-data operator,$(or $(MAKECMDGOALS),help)),)
-include $(SECRETS)
endif
export RASA_PORT ?= 5005
export ACTION_SERVER_PORT ?= 5055
export INTERNAL_HOST ?= 127.0.0.1
export RASA_URL ?= http://127.0.0.1:$(RASA_PORT)
export ACTION_SERVER_URL ?= http://127.0.0.1:$(ACTION_SERVER_PORT)

# The model is named after everything that shapes it, so a matching model is never retrained.
MODEL_INPUTS := domain.yml config.yml requirements/rasa.txt $(shell find data nlu -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) -not -path '*/__pycache__/*' 2>/dev/null | sort)
MODEL_HASH := $(shell cat $(MODEL_INPUTS) 2>/dev/null | sha256sum | cut -c1-16)
MODEL := models/gospomoshnik-$(MODEL_HASH).tar.gz

.PHONY: help setup run test test-fast lint train migrate demo-data operator purge bench bench-nlu bench-handoff eval clean browser-deps

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: requirements/app.txt | $(UV)
	test -x $(APP_PY) || $(UV) venv -q --python $(PY311) .venv
	VIRTUAL_ENV=.venv $(UV) pip sync -q requirements/app.txt
	touch $@

.venv-rasa/.synced: requirements/rasa.txt | $(UV)
	@test -x $(PY310) || { echo "Python 3.10.13 is missing: run 'pyenv install 3.10.13'"; exit 1; }
	test -x .venv-rasa/bin/python || $(UV) venv -q --python $(PY310) .venv-rasa
	VIRTUAL_ENV=.venv-rasa $(UV) pip sync -q requirements/rasa.txt
	touch $@

setup: .venv/.synced .venv-rasa/.synced ## create or update both virtual environments

$(SECRETS): | .venv/.synced
	mkdir -p var
	umask 077 && $(APP_PY) -m bot.devsecrets > $@.tmp && mv $@.tmp $@

browser-deps: ## Debian's headless chromium for the browser tests
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

$(MODEL): .venv-rasa/.synced $(MODEL_INPUTS)
	mkdir -p models
	$(RASA) train --fixed-model-name gospomoshnik-$(MODEL_HASH) --out models --num-threads 2
	ls -t models/gospomoshnik-*.tar.gz | tail -n +4 | xargs -r rm -f

train: $(MODEL) ## train a model unless one matches the current data
	@echo "model: $(MODEL)"

migrate: .venv/.synced ## apply database migrations to DATABASE_URL
	$(APP_PY) -m alembic upgrade head

demo-data: migrate ## load demo citizens, appeals, services and an incident into an empty database
	$(APP_PY) -m actions.demo --if-empty

operator: migrate ## create the first console admin (asks, or OPERATOR_LOGIN/NAME/PASSWORD)
	$(APP_PY) -m handoff.operators.cli

purge: migrate ## remove personal data older than its retention period (RETENTION_*_DAYS)
	$(APP_PY) -m bot.retention purge

run: setup $(SECRETS) migrate demo-data train ## start rasa, the action server and the app (Ctrl-C stops all)
	@echo "Web chat:         http://localhost:$${APP_PORT:-8080}/"
	@echo "Operator console: http://localhost:$${APP_PORT:-8080}/console"
	RASA_MODEL=$(MODEL) .venv/bin/honcho start -f Procfile

lint: .venv/.synced .venv-rasa/.synced ## ruff, mypy (strict; nlu/ with Rasa's environment), the import contracts, JS syntax
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy bot adapters actions handoff identifiers workcalendar l10n review publishing tests bench
	.venv-rasa/bin/mypy --config-file mypy-rasa.toml nlu identifiers rasa_server
	.venv/bin/lint-imports --no-cache
	for f in handoff/console/static/*.js adapters/webchat/static/*.js; do node --input-type=module --check < $$f || { echo "syntax error in $$f"; exit 1; }; done

test: setup browser-deps train ## every test: lint, unit, integration (SQLite and PostgreSQL), Rasa data and stories
	$(MAKE) --no-print-directory lint
	$(RASA) data validate --fail-on-warnings
	.venv-rasa/bin/pytest -q -p no:cacheprovider -c /dev/null --rootdir . --confcutdir=tests/nlu tests/nlu
	.venv-rasa/bin/pytest -q -p no:cacheprovider -c /dev/null --rootdir . --confcutdir=tests/rasa_server tests/rasa_server
	RASA_MODEL=$(MODEL) .venv/bin/pytest -q -p no:cacheprovider --durations=25

test-fast: .venv/.synced ## unit tests only (no Rasa, no browser)
	.venv/bin/pytest -q -p no:cacheprovider -m "not rasa and not browser"

bench: setup train ## every benchmark into bench/README.md (ARGS='--quick', '--only load,faults', '--soak-minutes 30')
	RASA_MODEL=$(MODEL) $(APP_PY) bench/run_all.py $(ARGS)

bench-nlu: setup ## held-out intent accuracy / macro-F1: our pipeline against Rasa's stock one
	$(APP_PY) bench/nlu_vs_stock.py

bench-handoff: setup train ## handoff latency: request → console push, reply → Telegram (p50/p95/max, N=20)
	RASA_MODEL=$(MODEL) $(APP_PY) bench/handoff_latency.py

eval: .venv-rasa/.synced ## NLU of today, the new config and stock Rasa side by side on every set (reports/eval/)
	.venv-rasa/bin/python bench/eval.py

clean: ## remove environments, models and local state
	rm -rf .venv .venv-rasa $(TOOLS) models var results reports .mypy_cache .ruff_cache
