# The README's two commands are `make demo` and `make test`; everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CSS := build/static/nhsuk-frontend.css
export DJANGO_SETTINGS_MODULE := commissioning.config.settings

.PHONY: demo test setup setup-test check lint ci-postgres serve demo-data lock clean bench

## make demo: set everything up, load reference data and a synthetic health economy, serve it
demo: setup
	$(PY) -m commissioning.cli demo-setup
	$(PY) -m commissioning.cli serve

## make test: set up what the tests need (including headless Chromium) and run the whole suite
test: setup-test check
	$(VENV)/bin/pytest -n auto -m "not spark" --cov --cov-report=
	$(VENV)/bin/pytest -m spark --cov --cov-append --cov-report=term:skip-covered

setup: $(STAMP) $(NODE_STAMP) $(CSS)

setup-test: setup
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Chromium from Debian for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@if ! command -v java >/dev/null; then \
		echo "Installing Java 17 from Debian for the Spark engine's tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --python $(PY) --require-hashes --compile-bytecode -r requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The NHS.UK frontend compiled without its web fonts (they load from a CDN) and with its images
# from this site's static files (src/commissioning/ui/nhsuk.scss).
$(CSS): $(NODE_STAMP) src/commissioning/ui/nhsuk.scss
	mkdir -p $(dir $@)
	node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map --quiet \
		src/commissioning/ui/nhsuk.scss $@

## make serve: production mode (docs/deployment.md): gunicorn and the job worker, DEBUG off,
## migrations applied and static files collected; needs DATABASE_URL and DJANGO_SECRET_KEY
serve: setup
	$(PY) -m commissioning.cli serve --production --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

## Run the suite against PostgreSQL (as CI does); needs a server at DATABASE_URL
ci-postgres: setup-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/commissioning} $(VENV)/bin/pytest -n auto

## make check: lint, format, the import contracts (docs/architecture.md) and the type checker on
## the pure floors and the services; the pre-commit hook runs it (pre-commit install)
check: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

lint: check

## Regenerate requirements.lock from pyproject.toml
lock:
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

bench: setup
	$(PY) benchmarks/synth.py

clean:
	rm -rf $(VENV) node_modules var staticfiles build
