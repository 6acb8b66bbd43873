# awslab: `make demo` runs the main job, `make test` runs the tests. Both set everything up.
VENV    ?= .venv
PY      := $(VENV)/bin/python
AWSLAB  := $(VENV)/bin/awslab
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help venv demo test bench clean

help:
	@echo "make demo   - set up .venv, start the emulator, solve and grade s3-sqs-notification, stop"
	@echo "make test   - set up .venv and run the whole test suite (starts its own emulator)"
	@echo "make bench  - run every bench/bench_*.py (BENCH=core for one) and print their figures"
	@echo "make venv   - only create .venv and install awslab with the pinned constraints"
	@echo "make clean  - remove .venv and caches"

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@py=$$(sh scripts/find-python) || exit 1; \
	  echo "creating $(VENV) with $$py; installing awslab and LocalStack 4.14.0 (about a minute the first time)"; \
	  "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade-strategy only-if-needed -c constraints.txt -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	@sh scripts/demo

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Every bench/bench_*.py prints its own figures; BENCH=name runs one (make bench BENCH=core).
BENCH ?= *
bench: $(STAMP)
	@for script in bench/bench_$(BENCH).py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
