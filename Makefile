# ldncontent: `make run` to try it, `make test` before every commit.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Development commands: DEBUG on unless set, and emails link to the server this starts.
DEV_ENV = DEBUG=$${DEBUG:-true} ADMIN_BASE_URL=$${ADMIN_BASE_URL:-http://$(HOST):$(PORT)}

.PHONY: help install run serve worker migrate demo test lint pytest schema bench bench-soak clean

help:
	@echo "make run      install, migrate, load the demo and serve on http://$(HOST):$(PORT)/"
	@echo "make serve    the production server: migrate, then gunicorn on $(HOST):$(PORT)"
	@echo "make test     lint (ruff, migrations, OpenAPI) and the whole test suite"
	@echo "make worker   run the webhook worker alone (make run starts it too)"
	@echo "make schema   write the OpenAPI schema to openapi.yaml"
	@echo "make bench    benchmark the delivery API with gunicorn and wrk (bench/README.md)"
	@echo "make bench-soak  read delivery under load while a writer edits, approves, retracts"
	@echo "make clean    remove the virtualenv and the local SQLite database"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py load_demo --port $(PORT) --host $(HOST)

run: demo
	@echo "Starting the webhook worker and the server (Ctrl-C stops both)."
	$(DEV_ENV) $(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: settings from the environment (README "Configuration"); no demo, DEBUG off
# unless set. WEB_CONCURRENCY is the number of gunicorn workers.
serve: $(STAMP)
	@test -n "$$SECRET_KEY" || { echo "make serve is the production server: set SECRET_KEY (and ALLOWED_HOSTS; README \"Configuration\"). For development, use make run."; exit 1; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	exec $(BIN)/gunicorn ldncontent.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2} --access-logfile -

worker: migrate
	$(DEV_ENV) $(BIN)/python manage.py run_worker

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

schema: $(STAMP)
	DEBUG=true $(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-soak: $(STAMP)
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
