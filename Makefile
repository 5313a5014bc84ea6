# reliefsim — the two commands of the quick start, plus helpers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint app bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## run the baseline scenario: summary, SQLite store, figure
	$(BIN)/reliefsim run baseline --db sqlite:///reliefsim.db --figure reliefsim_baseline.png

test: $(STAMP)  ## the whole suite, plus ruff
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo 'pytest collected no tests' >&2; exit 1; fi; exit $$rc

app: $(STAMP)  ## the classroom app on http://127.0.0.1:8765
	$(BIN)/reliefsim app

bench: $(STAMP)  ## performance table: 10k/100k/1M households x 120 months, store, sweep
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) reliefsim.db reliefsim_baseline.png .pytest_cache
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete  # numba's compiled-loop cache
