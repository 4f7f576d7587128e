# The two commands of the contract: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Where `make run` serves (`make run PORT=9000`); settings read PORT too (default SITE_URL).
export PORT ?= 8000

.PHONY: run test install lint typecheck schema bench clean check-deploy compose-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

install: $(STAMP) node_modules/.installed

# The checkout's development settings (DEBUG=1, a generated SECRET_KEY), written once and read by
# settings: every manage.py command then works without exporting anything.
.env: | $(STAMP)
	$(BIN)/python -m config.local_env .env

run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	TESTING=1 $(BIN)/pytest -n 2 -p no:cacheprovider --cov --cov-report=term

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	TESTING=1 $(BIN)/mypy config recordings_api recordings snapshots playlists sharing tests

schema: $(STAMP)
	TESTING=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

# --- deployment checks (CI) ---------------------------------------------------------------------
# `manage.py check --deploy` with the app environment of docker-compose.yml filled from .env.example.
check-deploy: $(STAMP)
	$(BIN)/python -m config.deploy_check docker-compose.yml .env.example

# docker-compose.yml against the Compose Specification's JSON schema (vendored by check-jsonschema).
compose-check: $(STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

bench: install
	TESTING=1 $(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules var
