# trailwatch: two commands do all set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= trailwatch-out

ARGS ?= --help

.PHONY: demo run test lint typecheck cfnlint unit bench bench-watch bench-big clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/trailwatch demo --output-dir $(OUT)

# Run trailwatch from the project's venv: make run ARGS="scan --help"
run: $(STAMP)
	$(BIN)/trailwatch $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check scanner checks reports templates tests bench
	$(BIN)/ruff format --check scanner checks reports templates tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 -q

# Every CloudFormation template: zero errors (cfn-lint exits non-zero on errors and warnings).
cfnlint: $(STAMP)
	$(BIN)/cfn-lint -- deploy/cloudformation/*.yaml

test: lint typecheck cfnlint unit

bench: $(STAMP)
	$(BIN)/python bench/scan_bench.py $(BENCH_ARGS)

# Real time: per-event latency (event -> imported finding) and API calls per event, on moto.
bench-watch: $(STAMP)
	$(BIN)/python bench/watch_bench.py $(BENCH_ARGS)

# One account with thousands of buckets, VPCs, log groups and alarms: wall, CPU, peak RSS;
# then evaluation and report CPU time at 2,000 and 20,000 buckets (linear, no AWS calls).
bench-big: $(STAMP)
	$(BIN)/python bench/big_account.py $(BENCH_ARGS)
	$(BIN)/python bench/many_buckets.py --buckets 2000,20000

clean:
	rm -rf $(VENV) $(OUT) dist build .mypy_cache .ruff_cache .pytest_cache
