# pgadmin_lite: `make run` serves the console, `make test` runs every test tier.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA_DIR ?= $(CURDIR)/data
export PGADMIN_LITE_DATA_DIR ?= $(DATA_DIR)

.PHONY: run test lint bench soak clean-venv

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

# Benchmarks (not part of `make test`): figures against their floors and the issue-8 targets, JSON in bench/results/.
bench: $(VENV)/.installed
	$(PY) -m bench.run

# Load and soak: 50 users for SOAK_SECONDS (default 600) over loopback; zero errors and flat memory expected.
soak: $(VENV)/.installed
	$(PY) -m bench.soak

clean-venv:
	rm -rf $(VENV)
