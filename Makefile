# The two commands a newcomer needs: `make run` and `make test`. See README.md.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
PORT ?= 8000
# PostgreSQL and Redis used by `make test` when they are reachable (required when PSG_REQUIRE_ALL=1).
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/psg
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# Test processes per pass (pytest-xdist; `auto`: one per CPU). Each has its own test database, and
# its own Redis database counted from TEST_REDIS_URL's (docs/testing.md). 0 runs serially.
TEST_WORKERS ?= auto
export DJANGO_SETTINGS_MODULE ?= psg.settings.dev

.PHONY: help install browser setup run test lint test-sqlite test-postgres audit bench mutate clean

help:
	@echo "make run   - install, set up a local site with the seed content and serve it on :$(PORT)"
	@echo "make test  - install, lint, check migrations and settings, run the whole test suite"
	@echo "make audit - Lighthouse and HTML checks of the site that 'make run' serves"
	@echo "make bench - page benchmarks (BENCH_ARTICLES=1000, BENCH_DB=sqlite|postgres)"
	@echo "make drill - fault drill: the production stack with Redis, worker, database, mail failing"
	@echo "make mutate - mutation testing of the riskiest modules (MODULE=pagecache for one)"

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PY) --version))."; exit 1; }
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet
	@touch $@

install: $(VENV)/.installed

# Debian's Chromium for the browser tests, installed when missing and the user may install packages.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null && command -v apt-get >/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "NOTE: /usr/bin/chromium is missing and cannot be installed here: browser tests will not run."; \
	fi

# Migrate, collect static files, import the seed content, make sure a local admin exists.
setup: install
	@mkdir -p var
	@$(PY) manage.py prepare_site

run: setup
	@echo "Serving the site at http://127.0.0.1:$(PORT)/ (admin at /admin/). Ctrl-C stops it."
	@$(PY) manage.py run_site --port $(PORT)

lint: install
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=psg.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=psg.settings.production SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		ALLOWED_HOSTS=www.example.org DATABASE_URL=sqlite:///:memory: $(PY) manage.py check --deploy --fail-level WARNING

# A test run starts Python many times: pytest's workers, and the manage.py, gunicorn and backup
# processes that tests run (about 60 in the SQLite pass). Each start compiles what it imports
# unless its bytecode is cached, about two seconds of CPU for Django and Wagtail, so the test
# targets write bytecode (into __pycache__ folders, ignored by git) even where the environment
# sets PYTHONDONTWRITEBYTECODE (docs/testing.md, "How long it takes"). Set for `make test`, it
# holds for lint and both passes.
test lint test-sqlite test-postgres: export PYTHONDONTWRITEBYTECODE =

test-sqlite: install browser
	@echo "== Test suite on SQLite (with browser journeys)"
	@DJANGO_SETTINGS_MODULE=psg.settings.test DATABASE_URL= $(PY) -m pytest -n $(TEST_WORKERS) --create-db

# The browser journeys and the tests marked engine_agnostic (they use no test database: their own
# processes, files or SQLite copies) run in the SQLite pass only (docs/testing.md).
test-postgres: install
	@if $(PY) -m psg.probe postgres "$(TEST_POSTGRES_URL)"; then \
		echo "== Test suite on PostgreSQL ($(TEST_POSTGRES_URL)) with the Redis cache"; \
		redis=""; if $(PY) -m psg.probe redis "$(TEST_REDIS_URL)"; then redis="$(TEST_REDIS_URL)"; \
		elif [ "$$PSG_REQUIRE_ALL" = 1 ]; then echo "Redis is required (PSG_REQUIRE_ALL=1) but $(TEST_REDIS_URL) is not reachable."; exit 1; \
		else echo "NOT RUN: Redis cache tests ($(TEST_REDIS_URL) not reachable)."; fi; \
		DJANGO_SETTINGS_MODULE=psg.settings.test DATABASE_URL="$(TEST_POSTGRES_URL)" REDIS_URL="$$redis" \
			$(PY) -m pytest -n $(TEST_WORKERS) --create-db -m "not browser and not engine_agnostic"; \
	elif [ "$$PSG_REQUIRE_ALL" = 1 ]; then \
		echo "PostgreSQL is required (PSG_REQUIRE_ALL=1) but $(TEST_POSTGRES_URL) is not reachable."; exit 1; \
	else \
		echo "NOT RUN: the PostgreSQL pass ($(TEST_POSTGRES_URL) not reachable; set TEST_POSTGRES_URL)."; \
	fi

test: lint test-sqlite test-postgres

# Lighthouse and the Nu HTML checker over the main page types of a running site (`make run`
# in another terminal first). See scripts/audit.sh.
audit: install
	@scripts/audit.sh http://127.0.0.1:$(PORT)

# Page benchmarks (docs/performance.md): fill a bench site with BENCH_ARTICLES synthetic
# articles (once; later runs top it up), then serve it with gunicorn and print the table.
BENCH_ARTICLES ?= 1000
BENCH_DB ?= sqlite
bench: install
	@$(PY) -m bench.fill --articles $(BENCH_ARTICLES) --db $(BENCH_DB)
	@$(PY) -m bench.run --db $(BENCH_DB)

# Fault drill (docs/deployment.md, "What happens when..."): starts gunicorn, the task worker,
# its own redis-server and SMTP server on a scratch site, breaks them one at a time and prints
# what visitors and applicants got. Needs redis-server. DRILL_ARGS="--seconds 6" and the like.
DRILL_ARGS ?=
.PHONY: drill
drill: install
	@$(PY) scripts/fault_drill.py $(DRILL_ARGS)

# Mutation testing (docs/testing.md): every module, or one with MODULE=pagecache. Not part of
# `make test`. The PostgreSQL search backend's run uses MUTATE_POSTGRES_URL when set.
MODULE ?=
mutate: install
	@$(PY) scripts/mutate.py $(MODULE)

clean:
	rm -rf $(VENV) var build .pytest_cache .ruff_cache
