# diachi — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DIACHI := $(BIN)/diachi
PY_SOURCES := registry geo importers web

.PHONY: run test setup system venv db data lint typecheck pytest clean-db

run: setup
	$(DIACHI) serve --host 127.0.0.1 --port 8000

test: setup lint typecheck pytest

setup: system venv db data

system:
	@sh scripts/install-system.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

db: venv
	$(DIACHI) db start
	$(DIACHI) db upgrade

data: db
	$(DIACHI) import admin-units
	$(DIACHI) import demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy --strict $(PY_SOURCES)

pytest: venv
	$(BIN)/pytest -q -n 2

clean-db:
	-$(DIACHI) db stop
	rm -rf .diachi
