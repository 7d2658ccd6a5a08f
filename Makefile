# The two commands: `make run` (the portal with its worker and demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
MESSAGES := locale/kk/LC_MESSAGES/django.mo locale/ru/LC_MESSAGES/django.mo

.PHONY: run test setup lint messages bench compose-check clean

# RUN_ARGS: options of manage.py embedded, e.g. RUN_ARGS="--addrport 127.0.0.1:8001".
run: setup
	$(MANAGE) embedded $(RUN_ARGS)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed node_modules/.installed $(MESSAGES)

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(VENV)/.installed
	$(MANAGE) compilemessages --locale $* --verbosity 0

messages: $(VENV)/.installed
	$(MANAGE) makemessages -l kk -l ru --no-obsolete --ignore=.venv --ignore=node_modules --ignore=var \
		--ignore=tests --ignore=bench

lint: setup
	$(PY) -m ruff check .
	$(MANAGE) makemigrations --check --dry-run

bench: setup
	$(PY) bench/pipeline.py
	$(PY) bench/pages.py
	$(PY) bench/grading_evaluation.py
	$(PY) bench/grading_decisions.py
	$(PY) bench/render_collector.py
	$(PY) bench/commissions_protocol_page.py
	$(PY) bench/commissions_protocol_pdf.py
	$(PY) bench/appeals_pages.py
	$(PY) bench/appeals_concurrent_filing.py
	$(PY) bench/monitoring_draw.py
	$(PY) bench/monitoring_import.py
	$(PY) bench/monitoring_analytics.py

compose-check:
	docker-compose -f docker-compose.yml config --quiet

clean:
	rm -rf var/test var/broker
