# reliefsim — the two commands of the quick start, plus helpers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint app bench clean

$(STAMP): pyproject.toml
	@echo "Installing reliefsim and its dependencies into $(VENV)/ (once; a few minutes, about"
	@echo "1.5 GB): NumPy, numba, SciPy, pandas, matplotlib with a Chinese font (mplfonts),"
	@echo "Mesa and Solara for the classroom app, SQLAlchemy, Dask, SALib, openpyxl, and pytest,"
	@echo "ruff and Playwright for the tests. Nothing is installed outside $(VENV)/."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## run the baseline scenario: summary, SQLite store, figure
	@echo "Demo: the baseline scenario (a Beijing-like city, 20,000 simulated households x 60"
	@echo "months); the summary, the run stored in reliefsim.db, the figure reliefsim_baseline.png"
	$(BIN)/reliefsim run baseline --db sqlite:///reliefsim.db --figure reliefsim_baseline.png --force
	@echo "Next: $(BIN)/reliefsim --help, or 'source $(VENV)/bin/activate' to type reliefsim alone"

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
