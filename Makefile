# The README's two commands: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
# Local development defaults; production sets these through the environment (README, Configuration).
DEV_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-true} OMS_DEMO_MODE=$${OMS_DEMO_MODE:-true}

.PHONY: run test install messages translations migrate seed lint format bench worker beat clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Compiles the committed .po catalogues with Babel, so no system gettext is needed to run or test.
# (Extracting new strings, `make translations`, uses Django's makemessages and needs gettext.)
# Only the German figure is worth reading: the English catalogue is the source language and stays
# empty on purpose, so its "0% translated" (and Babel's "compiling ..." lines) are not shown.
messages: install
	@$(VENV)/bin/pybabel compile --domain=django --directory=locale --use-fuzzy --statistics 2>&1 \
	  | grep -v -e '^$$' -e '^compiling catalog' -e 'locale/en/' || true
	@test -f locale/de/LC_MESSAGES/django.mo

translations: install
	$(DEV_ENV) $(PY) manage.py makemessages -l de -l en --ignore=.venv --ignore=var --no-obsolete

migrate: install
	mkdir -p var
	$(DEV_ENV) $(PY) manage.py migrate --noinput -v0

seed: migrate
	$(DEV_ENV) $(PY) manage.py seed_demo

run: messages migrate seed
	@echo ""
	@echo "  OMS back office: http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password 'demo'): admin, manager, support, warehouse"
	@echo ""
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Two processes (pytest-xdist), each with its own databases; a file's tests stay on one process.
# The twenty slowest tests are printed at the end, so a slow one is seen before CI grows.
# `make test PYTEST_ARGS="-p no:xdist tests/orders"` runs a part in one process.
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=20
test: messages
	$(PY) -m pytest $(PYTEST_ARGS)

# mypy reads [tool.mypy] in pyproject.toml; its Django plugin loads the settings, hence DEV_ENV.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV_ENV) $(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench.run

worker: install
	$(PY) -m celery -A oms worker -Q celery,documents -l info

beat: install
	$(PY) -m celery -A oms beat -l info

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
