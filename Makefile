# sti-scorecard — the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock browser demo airflow test coverage lint bench bench-snapshot clean

install: $(STAMP)

# pip installs the lock's uv (its entry alone, hashes checked), which installs the rest: the same hashes,
# in seconds rather than a minute.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	sed -n '/^uv==/,/# via/p' requirements.lock > $(VENV)/uv-requirement.txt
	$(BIN)/pip install --quiet --require-hashes -r $(VENV)/uv-requirement.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# requirements.lock: every distribution pinned with its sha256 hashes, compiled by uv (of the dev extra)
# from pyproject.toml's dependencies and dev extra for the venv's Python. Versions already locked are kept;
# to move some, `make lock LOCK_FLAGS='--upgrade-package NAME'` (or `LOCK_FLAGS=--upgrade` for all).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python $(BIN)/python \
		--custom-compile-command 'make lock' --output-file requirements.lock --quiet $(LOCK_FLAGS)

demo: $(STAMP)
	$(BIN)/scorecard demo

airflow: $(STAMP)
	$(BIN)/scorecard airflow

# The browser tests drive Debian's Chromium (browsers cannot be downloaded here; apt works as root, as in CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

# The suite on every core (WORKERS=N to choose), each worker taking one test module at a time in the
# order collected (tests/conftest.py: pytest_xdist_make_scheduler); then the line coverage of src/,
# measured in the pytest processes: code that runs only in the subprocesses some tests start
# (`scorecard demo`, Airflow's own processes) is not counted. PYTEST_FLAGS adds options (-x, -k NAME, …).
WORKERS ?= logical
PYTEST_ALL := $(BIN)/python -m pytest --numprocesses=$(WORKERS) --dist=loadscope --no-loadscope-reorder \
	--cov --cov-report=term:skip-covered $(PYTEST_FLAGS)

# mypy checks the package while the suite runs (on a fresh clone, with no cache, it takes about 40 s of
# one core); the target fails if either does.
test: $(STAMP) browser
	$(BIN)/ruff check .
	mkdir -p test-artifacts
	$(BIN)/mypy & types=$$!; $(PYTEST_ALL); tests=$$?; wait $$types && exit $$tests

# The same measure, file by file and line by line: test-artifacts/coverage/index.html.
coverage: $(STAMP) browser
	mkdir -p test-artifacts
	$(PYTEST_ALL) --cov-report=html:test-artifacts/coverage

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

bench-snapshot: $(STAMP)
	$(BIN)/python bench/snapshot.py

clean:
	rm -rf data .airflow out
