# Canopy: `make serve` to run it, `make test` to test it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser serve test check format migrate demo bench plans clean

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

# Two worker processes (the machines have two cores); PYTEST_ARGS=-n0 runs in one.
PYTEST_ARGS ?= -n 2
test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

# Peak memory and speed of attaching large documents (flat memory, vs a raw loopback copy).
bench: install
	$(BIN)/python bench/attach.py --sizes 1,10,100

# Query plans of a job's candidate list with 1 000 000 candidates (SQLite; PostgreSQL too
# with PLANS_DATABASE_URL=postgresql+asyncpg://…).
plans: install
	$(BIN)/python bench/plans.py
	$(if $(PLANS_DATABASE_URL),$(BIN)/python bench/plans.py --database-url $(PLANS_DATABASE_URL))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
