# The two commands: `make run` (portal + worker + scheduler with demo data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2

.PHONY: run test setup install migrate static messages seed lint bench mutation clean

run: setup seed
	$(BIN)/honcho start -f Procfile

# Tests keep their SQLite file, broker folder and mail apart from `make run`'s var/.
test: install messages static
	PORTAL_VAR_DIR=$${PORTAL_VAR_DIR:-$(CURDIR)/var/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

setup: install messages migrate static

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['dev']))" > $(VENV)/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	touch $(STAMP)

messages: install
	$(BIN)/pybabel --quiet compile --domain django --directory locale

migrate: install
	$(BIN)/python manage.py migrate --no-input

static: install
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0

seed: migrate
	$(BIN)/python manage.py seed_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/core/test_views_read_through_forms.py

bench: install messages
	bash bench/run.sh

# Mutation testing of one rule module against its tests (docs/testing.md): make mutation MODULE=apps/core/dates.py
mutation: install messages static
	$(BIN)/python bench/mutation.py $(or $(MODULE),--list)

clean:
	rm -rf $(VENV) var staticfiles
