# Camp Reports: `make run` for the demo on this machine, `make test` for the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CAMP_VAR_DIR ?= $(CURDIR)/var
export PORT CAMP_VAR_DIR

.PHONY: run test lint install install-test migrate demo messages bench bench-import clean bench-github bench-admin-queue bench-reminders bench-overview bench-evidence bench-search

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

# The embedded default: SQLite and a file-system broker under var/, email to the console.
# Links in e-mails follow PORT; Ctrl-C stops all three processes and make with them, quietly.
run: export DEBUG ?= 1
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	@mkdir -p $(CAMP_VAR_DIR)
	@pending=$$($(BIN)/python manage.py migrate --plan | grep -cE '^[a-z_]+\.[0-9]{4}_' || true); \
	$(BIN)/python manage.py migrate --noinput -v 0 && \
	if [ "$$pending" -gt 0 ]; then echo "  Database: $$pending migrations applied."; else echo "  Database: up to date."; fi
	@if [ ! -f $(CAMP_VAR_DIR)/.demo-seeded ]; then $(BIN)/python manage.py seed_demo && $(BIN)/python manage.py rebuild_knowledge --cohort demo --without-similarity && touch $(CAMP_VAR_DIR)/.demo-seeded; fi
	@echo ""
	@echo "  Camp Reports: http://127.0.0.1:$(PORT)/"
	@echo "  Sign in as student1 / demo, mentor1 / demo, ta / demo or admin / demo."
	@echo "  Web, Celery worker and Celery beat run below; Ctrl-C stops all three."
	@echo ""
	@# In a terminal, job control (set -m) gives honcho the terminal in a process
	@# group of its own: Ctrl-C reaches honcho and its processes but not make,
	@# which would otherwise report "Interrupt" and exit 130.
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash -c 'if [ -t 0 ]; then set -m; fi; \
	  honcho start -f Procfile; status=$$?; \
	  if [ $$status -eq 0 ] || [ $$status -eq 130 ]; then exit 0; else exit $$status; fi'

test: export SECRET_KEY ?= insecure-key-for-tests-only
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS); status=$$?; if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$status

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Refresh locale/zh_Hans after changing translatable strings, then commit the .po and .mo.
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages -l zh_Hans --ignore '.venv/*'

# Benchmarks (bench/): figures printed, not asserted. `make bench` runs them all.
bench: bench-import bench-overview bench-reminders bench-github bench-admin-queue bench-evidence bench-search
# Benchmarks run the production settings through the test client (plain HTTP, quiet logs).
bench-%: export SECURE_SSL_REDIRECT = 0
bench-%: export LOG_LEVEL = WARNING

# Full import of the real camp bundle into an empty PostgreSQL database (bench_import, or
# BENCH_IMPORT_DATABASE_URL; dropped and created), then a no-op rerun; each time with its
# ratio to the same command's queries alone.
bench-import: export SECRET_KEY ?= insecure-key-for-bench-only
bench-import: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
bench-import: install
	$(BIN)/python bench/import_repo.py

# The review queue in the admin with thousands of reports (throwaway test database),
# each time with its ratio to the same page's queries alone.
bench-admin-queue: install-test
	$(BIN)/python bench/admin_queue.py

# A reminder pass for 10,000 students on PostgreSQL (the database is created and migrated
# if missing): time and queries of planning and the dry run, with ratios to the queries alone.
bench-reminders: export SECRET_KEY ?= bench-only
bench-reminders: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_reminders
bench-reminders: install
	$(BIN)/python bench/reminders.py

# The overview's server time and query count at 50 x 13 and 500 x 26, on PostgreSQL
# (the database is created and migrated if missing) and Redis for the page cache, as in
# production, with ratios to the queries alone.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_overview
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
bench-overview: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench-overview: export REDIS_URL = $(BENCH_REDIS_URL)
bench-overview: export SECRET_KEY ?= insecure-key-for-benchmarks-only
bench-overview: export DEBUG = 0
bench-overview: install
	$(BIN)/python bench/overview.py

# GitHub sync against the fake GitHub server: requests, rate-limit units, webhook latency;
# each time with its ratio to the same operation's queries alone (throwaway SQLite database).
bench-github: install-test
	$(BIN)/python bench/github_sync.py

# Evidence (issue 19): 100 students x 1 period against the fake GitHub's search limit;
# each time with its ratio to the same collection's queries alone (throwaway SQLite database).
bench-evidence: install-test
	$(BIN)/python bench/evidence.py

# Search at 500 students x 26 periods (13,000 reports) on PostgreSQL (the database is
# created, migrated and seeded once): median and p95 of a two-character Chinese query and
# an English word, each with its ratio to the same request's SQL alone; and the cost of
# the similarity check per submitted report.
bench-search: export SECRET_KEY ?= insecure-key-for-benchmarks-only
bench-search: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_search
bench-search: install
	$(BIN)/python bench/search.py

clean:
	rm -rf var staticfiles .pytest_cache
