# Everything a fresh machine needs: `make mock` runs the mock, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

TS_STAMP := tests/ts/node_modules/.installed

.PHONY: venv node-deps browser mock test conformance bench clean

venv: $(STAMP)

# The TypeScript SDK test drives the mock with @honcho-ai/sdk, pinned by tests/ts/package-lock.json.
node-deps: $(TS_STAMP)

$(TS_STAMP): tests/ts/package.json tests/ts/package-lock.json
	cd tests/ts && npm ci --no-audit --no-fund --silent
	touch $(TS_STAMP)

# The docs pages are tested in a real browser (tests/test_docs_browser.py): Debian's chromium, driven by
# PyPI's playwright (pinned in requirements.txt) through executable_path, so no browser is downloaded.
# Debian's security updates replace chromium's version in place, so the package is not pinned.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

mock: venv
	$(BIN)/honcho-mock --spec openapi.yaml --host $(HOST) --port $(PORT) $(ARGS)

# The suite runs on 4 pytest-xdist workers (many tests wait on sockets and processes, so 4 beat 2 on two
# cores); JOBS=0 runs it in this one process.
JOBS ?= 4
test: venv $(BENCH_STAMP) node-deps browser
	$(BIN)/python -m pytest -q -n $(JOBS) $(PYTEST_ARGS)

conformance: venv
	$(BIN)/honcho-conformance run --base-url $(URL) $(ARGS)

# The benchmark also draws its figures (bench/plots.py): matplotlib, pinned in bench/requirements.txt
# (tests/bench/test_plots.py draws from a small results file, so `make test` installs it too).
$(BENCH_STAMP): bench/requirements.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	touch $(BENCH_STAMP)

bench: venv $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info tests/ts/node_modules
