# Canopy: `make serve` to run it, `make test` to test it (`make test-fast` between edits).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser wrk serve test test-fast check format migrate demo bench bench-attach profile load plans clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

migrate: install
	$(BIN)/canopy db upgrade

demo: migrate
	$(BIN)/canopy demo

serve: demo
	$(BIN)/canopy serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the widget's browser test (installed when missing and run as root).
browser:
	bash scripts/install-browser.sh

# Two worker processes (the machines have two cores), each taking the tests the other has not
# started yet when it runs out (worksteal: no idle worker at the end); PYTEST_ARGS=-n0 runs in
# one.
PYTEST_ARGS ?= -n 2 --dist worksteal
test: install browser wrk
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite as a developer runs it between edits: SQLite only, without the widget's browser
# test (marker `browser`) and the bench harness (`bench`), so it installs neither Chromium nor
# wrk. `make test` before pushing: it runs everything, on PostgreSQL too.
test-fast: install
	CANOPY_TEST_BACKENDS=sqlite $(BIN)/python -m pytest -m "not browser and not bench" $(PYTEST_ARGS)

check: install
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Debian's wrk, the load generator of `make bench` and `make load` (installed when missing;
# installing needs root).
wrk:
	bash scripts/install-wrk.sh

# Each route against its raw floor (same rows, bare driver + orjson) and a constant baseline,
# one worker, on a seeded data set (10 organisations, 1 000 jobs, 100 000 candidates): SQLite,
# then PostgreSQL (BENCH_POSTGRES_URL; BENCH_BACKENDS=sqlite for SQLite only). About 9 minutes
# with BENCH_DURATION seconds per run; see `python -m bench.run --help` for the other knobs.
BENCH_DURATION ?= 10
bench: install wrk
	$(BIN)/python -m bench.run --duration $(BENCH_DURATION)

# Where one route's time goes: py-spy on a worker while wrk drives the route (seeds its own
# installation; PROFILE_ARGS for more, see `python -m bench.profile --help`).
PROFILE_ROUTE ?= retrieve job
PROFILE_ARGS ?=
profile: install wrk
	$(BIN)/python -m bench.profile --route "$(PROFILE_ROUTE)" $(PROFILE_ARGS)

# Peak memory and speed of attaching large documents (flat memory, vs a raw loopback copy).
bench-attach: install
	$(BIN)/python bench/attach.py --sizes 1,10,100

# 64 clients for LOAD_DURATION seconds of mixed reads and writes against `canopy serve
# --workers 2` on a fresh PostgreSQL database; fails if any request fails.
LOAD_DURATION ?= 60
load: install wrk
	$(BIN)/python -m bench.load --duration $(LOAD_DURATION)

# Query plans of a job's candidate list with 1 000 000 candidates (SQLite; PostgreSQL too
# with PLANS_DATABASE_URL=postgresql+asyncpg://…).
plans: install
	$(BIN)/python bench/plans.py
	$(if $(PLANS_DATABASE_URL),$(BIN)/python bench/plans.py --database-url $(PLANS_DATABASE_URL))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
