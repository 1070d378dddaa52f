# Two commands matter (see README.md): `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
# Development commands below run with DEBUG on; tests and production never do.
DEV := DEBUG=$${DEBUG:-1}

.PHONY: install run test lint format typecheck messages messages-app check clean

# A virtualenv with exactly the locked dependencies (uv.lock), rebuilt when the lock changes.
# uv itself lives in its own small virtualenv so that `uv sync` never removes it.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

run: install
	bash scripts/run.sh

# The whole suite under coverage; the floor ([tool.coverage.report] fail_under) is enforced only
# for a whole run (PYTEST_ARGS empty), since a selection covers less by design.
test: install
	$(PY) -m coverage run -m pytest $(PYTEST_ARGS)
	$(if $(strip $(PYTEST_ARGS)),,$(PY) -m coverage report --format=total)

# ruff, djLint and django-upgrade through pre-commit's local hooks (.pre-commit-config.yaml),
# then mypy over the services and selectors ([tool.mypy] in pyproject.toml).
lint: install
	$(VENV)/bin/pre-commit run --all-files
	$(MAKE) typecheck

typecheck: install
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the zh_Hans catalogues after changing source strings, then translate and compile them.
# Strings of a work-area app (its code and its templates/) go to <app>/locale/; the rest to locale/.
messages: install
	$(DEV) $(PY) manage.py makemessages --locale zh_Hans --no-location --ignore ".venv/*" --ignore ".tools/*" --ignore "tests/*" --ignore "var/*" --ignore "bench/*" --no-obsolete
	$(DEV) $(PY) manage.py compilemessages --locale zh_Hans --ignore ".venv/*" --ignore ".tools/*"

# The same for one app only (make messages-app APP=study): touches no other catalogue.
messages-app: install
	cd $(APP) && $(DEV) DJANGO_SETTINGS_MODULE=ideology_office.settings.base PYTHONPATH=.. ../$(PY) -P -m django makemessages --locale zh_Hans --no-location --no-obsolete
	cd $(APP) && $(DEV) DJANGO_SETTINGS_MODULE=ideology_office.settings.base PYTHONPATH=.. ../$(PY) -P -m django compilemessages --locale zh_Hans

check: install
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) $(TOOLS) var/staticfiles .pytest_cache .mypy_cache .coverage htmlcov
