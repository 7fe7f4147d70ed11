# The two commands of the README: `make demo` and `make test`.
# Each installs what it needs (Debian packages and a .venv) on first use.
BIN := .venv/bin
PORT ?= 8000

.PHONY: demo test validate build serve lint golden fuzz bench clean \
	print import template export new init schema diff history privacy-check install-hook audit \
	county remind

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

# Every cunwu command has a target, for those who would rather not activate
# the venv (`. .venv/bin/activate`): `make import FILE=~/文档/低保.xlsx VILLAGE=dongshan`.
# Options go in ARGS: `make validate ARGS=--strict`. The first use sets up the venv.
$(BIN)/cunwu:
	scripts/bootstrap demo

validate: $(BIN)/cunwu  ## cunwu validate
	$(BIN)/cunwu validate $(ARGS)

build: $(BIN)/cunwu  ## cunwu build
	$(BIN)/cunwu build $(ARGS)

serve: $(BIN)/cunwu  ## cunwu serve on 127.0.0.1:$(PORT)
	$(BIN)/cunwu serve --port $(PORT) $(ARGS)

print: $(BIN)/cunwu  ## cunwu print: make print MONTH=2026-10 [VILLAGE=dongshan]
	$(BIN)/cunwu print --month "$(MONTH)" $(if $(VILLAGE),--village "$(VILLAGE)") $(ARGS)

import: $(BIN)/cunwu  ## cunwu import: make import FILE=~/文档/2026-11-低保.xlsx VILLAGE=dongshan
	$(BIN)/cunwu import "$(FILE)" --village "$(VILLAGE)" $(ARGS)

KIND ?= finance
template: $(BIN)/cunwu  ## cunwu template: make template KIND=subsidy [PROGRAM=dibao] [VILLAGE=dongshan] [PERIOD=2026-11]
	$(BIN)/cunwu template $(KIND) $(if $(PROGRAM),--program "$(PROGRAM)") $(if $(VILLAGE),--village "$(VILLAGE)") $(if $(PERIOD),--period "$(PERIOD)") $(ARGS)

export: $(BIN)/cunwu  ## cunwu export: make export MONTH=2026-10 [VILLAGE=dongshan]
	$(BIN)/cunwu export --month "$(MONTH)" $(if $(VILLAGE),--village "$(VILLAGE)") $(ARGS)

new: $(BIN)/cunwu  ## cunwu new: make new KIND=finance VILLAGE=dongshan [PERIOD=2026-11] [PROGRAM=dibao]
	$(BIN)/cunwu new $(KIND) --village "$(VILLAGE)" $(if $(PERIOD),--period "$(PERIOD)") $(if $(PROGRAM),--program "$(PROGRAM)") $(ARGS)

init: $(BIN)/cunwu  ## cunwu init: make init DIR=../my-township
	$(BIN)/cunwu init "$(DIR)" $(ARGS)

schema: $(BIN)/cunwu  ## cunwu schema
	$(BIN)/cunwu schema $(ARGS)

diff: $(BIN)/cunwu  ## cunwu diff: make diff REV1=HEAD~1 [REV2=HEAD]
	$(BIN)/cunwu diff "$(REV1)" $(REV2) $(ARGS)

audit: $(BIN)/cunwu  ## cunwu audit: make audit REGISTERS=~/文档/审计名册 (report in build/audit/)
	$(BIN)/cunwu audit $(if $(REGISTERS),--registers "$(REGISTERS)") $(ARGS)

history: $(BIN)/cunwu  ## cunwu history: make history FILE=villages/dongshan/finance/2026-10.yaml
	$(BIN)/cunwu history "$(FILE)" $(ARGS)

privacy-check: $(BIN)/cunwu  ## cunwu privacy-check --staged
	$(BIN)/cunwu privacy-check --staged $(ARGS)

install-hook: $(BIN)/cunwu  ## cunwu install-hook
	$(BIN)/cunwu install-hook $(ARGS)

county: $(BIN)/cunwu  ## cunwu county: make county FILES="a.json b.json" OUT=build/county
	$(BIN)/cunwu county $(FILES) --out "$(or $(OUT),build/county)" $(ARGS)

remind: $(BIN)/cunwu  ## cunwu remind: make remind [AS_OF=2026-11-12] [DAYS=7]
	$(BIN)/cunwu remind $(if $(AS_OF),--as-of "$(AS_OF)") $(if $(DAYS),--days "$(DAYS)") $(ARGS)

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
