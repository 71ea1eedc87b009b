# Everything a fresh machine needs: `make mock` runs the mock, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

TS_STAMP := tests/ts/node_modules/.installed

.PHONY: venv node-deps sdks browser mock test conformance bench clean

venv: $(STAMP)

# The TypeScript SDK tests drive the mock with @honcho-ai/sdk, one pinned version per directory (its own lock
# file): tests/ts (2.1.2, for 3.0.7) and tests/ts-scopes (2.5.0, for the scopes preview).
TS_SCOPES_STAMP := tests/ts-scopes/node_modules/.installed
node-deps: $(TS_STAMP) $(TS_SCOPES_STAMP)

$(TS_STAMP): tests/ts/package.json tests/ts/package-lock.json
	cd tests/ts && npm ci --no-audit --no-fund --silent
	touch $(TS_STAMP)

$(TS_SCOPES_STAMP): tests/ts-scopes/package.json tests/ts-scopes/package-lock.json
	cd tests/ts-scopes && npm ci --no-audit --no-fund --silent
	touch $(TS_SCOPES_STAMP)

# The docs pages are tested in a real browser (tests/test_docs_browser.py): Debian's chromium, driven by
# PyPI's playwright (pinned in requirements.txt) through executable_path, so no browser is downloaded.
# Debian's security updates replace chromium's version in place, so the package is not pinned.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# The official Python SDK that pairs with each Honcho version served (honcho_contracts/<version>/version.yaml),
# each in its own directory (pip --target; its dependencies are the venv's): tests/test_sdk_versions.py runs
# each against the mock of its version in a process of its own.
SDK_DIR := $(VENV)/sdks
SDK_STAMP := $(SDK_DIR)/.installed
sdks: $(SDK_STAMP)

$(SDK_STAMP): $(STAMP) $(wildcard honcho_contracts/*/version.yaml)
	for sdk in $$($(BIN)/python -c "import honcho_contracts as h; print(*sorted({v.sdks['python'] for v in h.served_versions()}))"); do \
		[ -d $(SDK_DIR)/honcho-ai-$$sdk/honcho ] || $(BIN)/python -m pip install --quiet --no-deps \
			--target $(SDK_DIR)/honcho-ai-$$sdk honcho-ai==$$sdk || exit 1; \
	done
	touch $(SDK_STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

mock: venv
	$(BIN)/honcho-mock --host $(HOST) --port $(PORT) $(ARGS)

# The suite runs on 4 pytest-xdist workers (many tests wait on sockets and processes, so 4 beat 2 on two
# cores); JOBS=0 runs it in this one process.
JOBS ?= 4
test: venv $(BENCH_STAMP) node-deps sdks browser
	$(BIN)/python -m pytest -q -n $(JOBS) $(PYTEST_ARGS)

conformance: venv
	$(BIN)/honcho-conformance run --base-url $(URL) $(ARGS)

# The benchmark prints its figures and draws them (bench/plots.py): matplotlib, pinned in bench/requirements.txt
# (tests/bench/test_plots.py draws from a small results file, so `make test` installs it too).
# RESULTS=FILE also writes them as markdown (RESULTS=bench/results.md: the published page, its picture beside it),
# OUT=DIR holds raw figures and logs (default bench/out), PORTS=LOW-HIGH the servers' ports (default: any free).
$(BENCH_STAMP): bench/requirements.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	touch $(BENCH_STAMP)

bench: venv $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(if $(RESULTS),--results $(RESULTS)) $(if $(OUT),--out $(OUT)) $(if $(PORTS),--ports $(PORTS)) $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info tests/ts/node_modules tests/ts-scopes/node_modules
