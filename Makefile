# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-long lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/spoolsim demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The sequencing state machine at thousands of steps.
test-long: $(STAMP)
	$(BIN)/python -m pytest -q --hypothesis-profile=long tests/rpc/test_sequencing.py

lint: $(STAMP)
	$(BIN)/ruff check spoolsim devices tests benchmarks
	$(BIN)/ruff format --check spoolsim devices tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
