# The two commands of the README: `make demo` and `make test`.
# Each installs what it needs (Debian packages and a .venv) on first use.
BIN := .venv/bin
PORT ?= 8000

.PHONY: demo test validate build serve lint golden fuzz bench clean

demo:  ## set up, build the demo township and serve it on 127.0.0.1:$(PORT)
	scripts/bootstrap demo
	$(BIN)/cunwu validate
	$(BIN)/cunwu build
	$(BIN)/cunwu serve --port $(PORT)

test:  ## set up and run the whole test suite (what CI runs)
	scripts/bootstrap test
	$(BIN)/ruff check plugins tests $(wildcard benchmarks)
	$(BIN)/ruff format --check plugins tests $(wildcard benchmarks)
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

validate:
	$(BIN)/cunwu validate

N ?= 30
bench:  ## county-scale benchmark against plain Pelican: make bench N=300 (posters at N<=30)
	scripts/bootstrap demo
	$(BIN)/python benchmarks/bench.py --villages $(N) $(if $(filter-out 30 10 5,$(N)),,--posters)

golden:  ## rewrite the golden site after an intended output change
	$(BIN)/python tests/golden/regen.py

fuzz:  ## long fuzzing of the loader and validator (CUNWU_FUZZ=long); summary in tests/_artifacts/
	CUNWU_FUZZ=long $(BIN)/python -m pytest -q tests/test_fuzz.py -p no:cacheprovider

lint:
	$(BIN)/ruff check plugins tests $(wildcard benchmarks)
	$(BIN)/ruff format --check plugins tests $(wildcard benchmarks)
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf build
