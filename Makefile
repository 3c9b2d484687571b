# trailwatch: two commands do all set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= trailwatch-out

ARGS ?= --help

.PHONY: demo run generate test lint typecheck cfnlint checkov unit bench bench-scale bench-watch bench-big bench-report bench-evaluate lock bundle lambda-zip clean

# The runtime dependencies exactly as deployed (deploy/requirements.lock, hash-checked), then the
# rest with those versions held (tests/test_deploy.py installs the bundle against them).
$(STAMP): pyproject.toml deploy/requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r deploy/requirements.lock
	sed -n 's/^\([A-Za-z0-9._-]*==[^ ;]*\).*/\1/p' deploy/requirements.lock > $(VENV)/locked.txt
	$(BIN)/python -m pip install --quiet -e ".[dev]" -c $(VENV)/locked.txt
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/trailwatch demo --output-dir $(OUT)

# Run trailwatch from the project's venv: make run ARGS="scan --help"
run: $(STAMP)
	$(BIN)/trailwatch $(ARGS)

# Every file derived from the declarations (IAM policy, rule pattern, template blocks, README
# listings): deploy/generate.py; tests/test_generated.py fails while one is out of date.
generate: $(STAMP)
	$(BIN)/python deploy/generate.py

lint: $(STAMP)
	$(BIN)/ruff check scanner checks reports templates tests bench deploy
	$(BIN)/ruff format --check scanner checks reports templates tests bench deploy

# mypy --strict over scanner, checks, reports, tests and bench (pyproject.toml [tool.mypy] files).
typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict deploy/generate.py deploy/bundle.py

unit: $(STAMP)
	$(BIN)/pytest -n 2 -q

# Every CloudFormation template: zero errors (cfn-lint exits non-zero on errors and warnings).
cfnlint: $(STAMP)
	$(BIN)/cfn-lint -- deploy/cloudformation/*.yaml

# Every CloudFormation template: no failed checkov check (each skip is in the template, with its
# reason). checkov pins its own dependencies, so it lives in a venv of its own.
CHECKOV_VENV := $(VENV)/checkov
$(CHECKOV_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --group checkov
	touch $@

checkov: $(CHECKOV_VENV)/.installed
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
		--directory deploy/cloudformation

test: lint typecheck cfnlint checkov unit

# The scale targets: 100 and 1,000 accounts x 4 regions at 50 ms per call (moto + replay of 10
# template accounts), a check that replay equals plain moto, and the README's sizing table.
# One run of your own: make bench BENCH_ARGS="--accounts 20 --regions 4 --latency-ms 50".
bench: $(STAMP)
	$(BIN)/python bench/scan_bench.py $(or $(BENCH_ARGS),--targets)

bench-scale: $(STAMP)
	$(BIN)/python bench/scan_bench.py --targets

# Real time: per-event latency (event -> imported finding) and API calls per event, on moto.
bench-watch: $(STAMP)
	$(BIN)/python bench/watch_bench.py $(BENCH_ARGS)

# One account with thousands of buckets, VPCs, log groups and alarms: wall, CPU, peak RSS;
# then evaluation and report CPU time at 2,000 and 20,000 buckets (linear, no AWS calls).
bench-big: $(STAMP)
	$(BIN)/python bench/big_account.py $(BENCH_ARGS)
	$(BIN)/python bench/many_buckets.py --buckets 2000,20000

# Evaluation and reports of a saved inventory cloned to 100, 300 and 1,000 accounts: CPU and peak
# RSS per step (evaluate, each report writer), and how the CPU grows with the accounts.
bench-evaluate: $(STAMP)
	$(BIN)/python bench/evaluate_bench.py $(BENCH_ARGS)

# report.html of 100 accounts (generated findings): time to the load event in headless Chromium.
bench-report: $(STAMP)
	$(BIN)/python bench/report_bench.py $(BENCH_ARGS)

# deploy/requirements.lock: the runtime dependencies, pinned with the hashes of every file
# (every platform and Python >= 3.11), from pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 \
		--quiet -o deploy/requirements.lock

# dist/trailwatch-bundle.zip, the scheduled scan's CodeBuild source: the wheel and requirements.txt
# (the lock plus the wheel, every file pinned by SHA-256).
bundle: $(STAMP)
	rm -rf dist/wheel
	$(BIN)/python -m build --wheel --no-isolation --outdir dist/wheel .
	$(BIN)/python deploy/bundle.py dist/wheel/trailwatch_cspm-*.whl --output dist/trailwatch-bundle.zip

# dist/trailwatch-lambda.zip, the realtime Lambda's code (python3.12, x86_64), installed from the
# bundle's requirements.txt with the same hash checks.
lambda-zip: bundle
	rm -rf dist/lambda dist/trailwatch-lambda.zip
	mkdir -p dist/lambda/pkg
	cd dist/lambda && $(CURDIR)/$(BIN)/python -m zipfile -e ../trailwatch-bundle.zip . \
		&& $(CURDIR)/$(BIN)/python -m pip install --quiet --require-hashes --only-binary=:all: \
		--platform manylinux2014_x86_64 --implementation cp --python-version 3.12 \
		--target pkg -r requirements.txt
	cd dist/lambda/pkg && $(CURDIR)/$(BIN)/python -m zipfile -c ../../trailwatch-lambda.zip *

clean:
	rm -rf $(VENV) $(OUT) $(OUT)-earlier-scans $(OUT)-demo-history.sqlite dist build .mypy_cache .ruff_cache .pytest_cache
