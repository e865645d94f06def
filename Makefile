# Two commands on a fresh machine:  make run   (analyse the demo article)   make test   (the test suite)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= ../shared/examples/north-korea-troops.txt

.PHONY: run test venv models bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench,ray]'
	touch $@

venv: $(BIN)/.installed

run: venv
	$(BIN)/stance analyze $(DEMO) --html demo.html

test: venv
	$(BIN)/python -m pytest -q -ra --doctest-modules stance tests

# Retrain the shipped default model (about 40 minutes on 2 CPU cores; log in models/default/train.log).
models: venv
	$(BIN)/python -m stance.recipes default

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache demo.html
