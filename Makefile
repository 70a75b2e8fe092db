# Two entry points (see README): `make demo` installs and runs the key-free demo; `make test` runs everything CI runs.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test sandbox real-setup lint typecheck pytest vscode clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python sandbox
	$(BIN)/python -m pip install --quiet -e '.[test]'

# bubblewrap: the OS sandbox run_tests uses for model-written code (tests/security/test_sandbox.py).
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(uname)" != Linux ] || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get install -y -qq bubblewrap || { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq bubblewrap; }; }; }

demo: install
	$(BIN)/outrider demo

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-test
	$(BIN)/mypy

# Installs (or finds in ~/.cache/outrider-test) the real programs the vscode/llama/gateway tests drive,
# in the background, so the slow builds overlap lint and the rest of the suite; the tests wait for it.
# OUTRIDER_SKIP_REAL=1 leaves those tests (and this) out.
real-setup: install-test
	$(BIN)/python -m tests.e2e.real_setup all --detach

pytest: install-test
	$(BIN)/python -m pytest

vscode:
	@if [ -f editors/vscode/package.json ]; then bash editors/vscode/build.sh; fi

test: real-setup lint typecheck vscode pytest

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
