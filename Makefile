# Two commands do all the set-up on a fresh machine (Python >= 3.11 and make):
#   make run    virtual environment, database (Alembic), demo data, app on http://127.0.0.1:5000
#   make test   the whole test suite: SQLite, then PostgreSQL when TEST_DATABASE_URL is set
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed

.PHONY: run test install translations db demo clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(FLASK) translate compile >/dev/null

db: install
	$(FLASK) db upgrade

demo: db translations
	$(FLASK) demo load

run: demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: translations
	$(BIN)/bandit --quiet --recursive mobility --severity-level high  # static analysis: no high findings
	$(BIN)/ruff check mobility tests bench  # lint: pyflakes, errors and sorted imports (pyproject.toml)
	$(BIN)/lint-imports --no-cache  # layers that only point down (contracts in pyproject.toml)
	$(BIN)/mypy mobility  # types: no error (settings in pyproject.toml; review/ not reported for now)
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -n auto --dist worksteal
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$TEST_DATABASE_URL), browser tests excluded"; \
	  $(BIN)/python -m pytest -n auto --dist worksteal -m "not browser"; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache
