# Tandem: `make run` starts the service with demo data; `make test` runs every test and the lint.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint install install-test worker clean bench favicon

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)
install-test: $(TEST_STAMP)

run: $(STAMP)
	$(BIN)/tandem run

worker: $(STAMP)
	$(BIN)/tandem worker

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# the favicon.ico twin of favicon.svg, drawn with Pillow; the file is committed
favicon: $(STAMP)
	$(BIN)/python -m app.web.make_favicon

bench: $(TEST_STAMP)
	$(BIN)/python tests/benchmarks/bench_renderers.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
