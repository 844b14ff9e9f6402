# pgadmin_lite: `make run` serves the console, `make test` runs every test tier.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA_DIR ?= $(CURDIR)/data
export PGADMIN_LITE_DATA_DIR ?= $(DATA_DIR)

.PHONY: run test lint bench soak clean-venv

# The virtualenv itself (on Debian, `python3 -m venv` needs the python3-venv package).
$(PY):
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip

# What running needs, and nothing more: no test tool, nothing to compile (`make run` on a fresh machine).
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --prefer-binary -e .
	touch $@

# Everything `make test` needs: the test extras too (uWSGI among them is built from source: a C compiler).
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# exec: Ctrl-C reaches `serve`, which stops Gunicorn and the demo cluster and exits 0 (no make "Interrupt").
run: $(VENV)/.installed-run
	PGADMIN_LITE_DEMO_CLUSTER=$${PGADMIN_LITE_DEMO_CLUSTER:-true} exec $(PY) setup_db.py serve \
		--setup-admin "$${PGADMIN_LITE_SETUP_EMAIL:-admin@example.com}"

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
