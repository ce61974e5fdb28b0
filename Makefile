# Two commands do everything from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SCRAPYD_VENV := .venv-scrapyd
SCRAPYD_STAMP := $(SCRAPYD_VENV)/.installed-stamp

.PHONY: install scrapyd-env demo test lint bench clean

install: $(STAMP)

# Re-install when the declared dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# Scrapyd's own environment: Scrapyd pins setuptools<81, so it does not share .venv. It has
# Scrapyd, scrapyd-client and the project's dependencies, not the project: Scrapyd runs the
# egg deployed to it. tests/test_scrapyd.py uses it, and is skipped (saying so) without it.
scrapyd-env: $(SCRAPYD_STAMP)

$(SCRAPYD_STAMP): pyproject.toml | $(STAMP)
	test -x $(SCRAPYD_VENV)/bin/python || $(PYTHON) -m venv $(SCRAPYD_VENV)
	$(BIN)/python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
		print(*p['dependencies'], *p['optional-dependencies']['scrapyd'], sep='\n')" \
		> $(SCRAPYD_VENV)/requirements.txt
	$(SCRAPYD_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCRAPYD_VENV)/bin/python -m pip install --quiet -r $(SCRAPYD_VENV)/requirements.txt
	touch $(SCRAPYD_STAMP)

demo: $(STAMP)
	$(BIN)/python -m devsite.demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	@$(MAKE) --no-print-directory scrapyd-env \
		|| echo "warning: $(SCRAPYD_VENV) could not be built; tests/test_scrapyd.py is skipped" >&2
	$(BIN)/python -m pytest -q

# Each script prints its figures and ratios (benchmarks/README.md); a few minutes in all on
# 2 cores. Smaller crawls: make bench CRAWL_PAGES=500 MEMORY_PAGES=500,2000
CRAWL_PAGES ?= 2000
MEMORY_PAGES ?= 1000,10000
REEXTRACT_PAGES ?= 4000
bench: $(STAMP)
	$(BIN)/python benchmarks/extract_speed.py
	$(BIN)/python benchmarks/extract_floor.py
	$(BIN)/python benchmarks/adversarial.py
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/pipeline_speed.py
	$(BIN)/python benchmarks/crawl_throughput.py --pages $(CRAWL_PAGES)
	$(BIN)/python benchmarks/crawl_memory.py --pages $(MEMORY_PAGES)
	$(BIN)/python benchmarks/reextract.py --pages $(REEXTRACT_PAGES)
	$(BIN)/python benchmarks/many_sources.py

clean:
	rm -rf $(VENV) $(SCRAPYD_VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
