# Two commands on a fresh machine: `make test` and `make demo`. Both create .venv with the standard venv module
# when it is missing and install the project into it; nothing else needs to be installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Two distributions, both editable: the runtime hbrt (runtime/pyproject.toml) and hbgen with its test extra.
$(STAMP): pyproject.toml runtime/pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e runtime -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Generate the Binance connector from specs/binance.yaml into a temporary directory, run its generated tests and
# print a short summary (files, generated lines, tests passed).
demo: $(STAMP)
	$(BIN)/hbgen demo --spec specs/binance.yaml

# The code we write by hand is held to the same ruff rules as the code we generate (pyproject.toml [tool.ruff]).
# mypy --strict checks hbgen, runtime/hbrt and every package under generated/ (pyproject.toml [tool.mypy] lists
# the folders, so a new generated package is picked up by itself); then every `type: ignore` in that code is printed
# with its reason, and counted (.ci/type_ignores.py fails on one without error codes and a reason).
lint: $(STAMP)
	$(BIN)/ruff check hbgen runtime tests bench .ci setup.py
	$(BIN)/ruff format --check hbgen runtime tests bench .ci setup.py
	$(BIN)/mypy
	$(BIN)/python .ci/type_ignores.py

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e runtime -e '.[test,bench]'
	@# bench/_*.py are helpers shared by the benchmarks, not benchmarks
	@for b in bench/[!_]*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
