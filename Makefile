# awslab: `make demo` runs the main job, `make test` runs the tests. Both set everything up.
VENV    ?= .venv
PY      := $(VENV)/bin/python
AWSLAB  := $(VENV)/bin/awslab
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help venv demo test bench clean docker-engine docker-wheels

help:
	@echo "make demo   - set up .venv, start the emulator, solve and grade s3-sqs-notification, stop"
	@echo "make test   - set up .venv and run the whole test suite (starts its own emulator)"
	@echo "make bench  - run every bench/bench_*.py (BENCH=core for one) and print their figures"
	@echo "make venv   - only create .venv and install awslab with the pinned constraints"
	@echo "make clean  - remove .venv and caches"
	@echo "make docker-engine - (root) install and start a private Docker engine, make the Debian base image"
	@echo "make docker-wheels - fill docker/wheels so the image build installs offline"

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

# Docker (README "docker compose", tests/test_docker.py). The engine's folder and socket:
# scripts/docker-engine (AWSLAB_DOCKER_DIR); clients then need `eval "$$(bash scripts/docker-engine env)"`.
docker-engine:
	bash scripts/docker-engine install
	bash scripts/docker-engine start
	bash scripts/docker-engine base

# The wheels of awslab's dependencies under the pins (setuptools too: the image builds awslab's own
# wheel in pip's isolated build environment). Written aside and moved in, so that an interrupted
# run never leaves a partial wheelhouse for the build's --no-index install; made again only when
# the pins or the dependencies change.
docker-wheels: docker/wheels/.made

docker/wheels/.made: $(STAMP) pyproject.toml constraints.txt
	rm -rf docker/.wheels.tmp
	$(PY) -m pip wheel --quiet --disable-pip-version-check -c constraints.txt -w docker/.wheels.tmp . setuptools
	rm -f docker/.wheels.tmp/awslab-*.whl docker/wheels/*.whl
	mv docker/.wheels.tmp/*.whl docker/wheels/
	rm -rf docker/.wheels.tmp
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
