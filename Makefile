# chatmon: `make run` starts the whole stack, `make test` runs the whole suite. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast lint format bench clean

$(VENV)/.installed-runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Debian packages installed when missing, by the command they provide:
# chromium (browser tests), prometheus for promtool (rules unit tests) and the server (end-to-end scrape test),
# wrk (gunicorn benchmarks), valgrind (the middleware instruction-count benchmark).
APT_PACKAGE_promtool := prometheus
/usr/bin/chromium /usr/bin/promtool /usr/bin/wrk /usr/bin/valgrind:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(or $(APT_PACKAGE_$(notdir $@)),$(notdir $@))

run: $(VENV)/.installed-runtime
	$(PY) -m chatmon.devstack

test: $(VENV)/.installed-dev /usr/bin/chromium /usr/bin/promtool
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but the slow and the browser tests (about a minute): the loop while you work.
test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed-dev /usr/bin/wrk /usr/bin/valgrind
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) var test-output .pytest_cache .ruff_cache
