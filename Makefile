# pgadmin_lite: `make run` serves the console, `make test` runs every test tier.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA_DIR ?= $(CURDIR)/data
export PGADMIN_LITE_DATA_DIR ?= $(DATA_DIR)

.PHONY: run test lint bench clean-venv

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) setup_db.py setup-db --email "$${PGADMIN_LITE_SETUP_EMAIL:-admin@example.com}" --random-password
	PGADMIN_LITE_DEMO_CLUSTER=$${PGADMIN_LITE_DEMO_CLUSTER:-true} $(PY) setup_db.py serve

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

test: $(VENV)/.installed lint
	$(PY) -m pytest

clean-venv:
	rm -rf $(VENV)
