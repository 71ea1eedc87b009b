# Everything a fresh machine needs: `make mock` runs the mock, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: venv mock test conformance bench clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

mock: venv
	$(BIN)/honcho-mock --spec openapi.yaml --host $(HOST) --port $(PORT) $(ARGS)

test: venv
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

conformance: venv
	$(BIN)/honcho-conformance run --base-url $(URL) $(ARGS)

bench: venv
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
