# finance_bridge — see README.md. Every target works from a clean clone with Odoo 19.0
# importable by python3, PostgreSQL reachable, and `pip install -r requirements.txt`.
SHELL := /bin/bash
PYTHON ?= python3
ODOO ?= $(PYTHON) -m odoo
DB ?= finance_bridge
HTTP_PORT ?= 8069
ADDONS_DIR := $(CURDIR)/addons
ADDONS := $(shell ls -d addons/*/__manifest__.py 2>/dev/null | cut -d/ -f2 | paste -sd, -)
# What `make run` installs: every addon but the test-only ones (named *_test, e.g. the outbox's
# reference source document used by the tests).
RUN_ADDONS := $(shell ls -d addons/*/__manifest__.py 2>/dev/null | cut -d/ -f2 | grep -v '_test$$' | paste -sd, -)
ODOO_VERSION := $(shell $(PYTHON) -c 'import odoo.release as r; print(r.version.replace(".", "_").replace("-", "_"))' 2>/dev/null)
TEMPLATE_DB ?= fb_template_account_$(ODOO_VERSION)
# A second template with standard addons that extend journal entries (the bulk statement writer's
# extension contract, docs/EXTENDING.md): the writer's tests and the import ratio run there too.
EXTRA_MODULES ?= sale,purchase,stock_account,account_edi_ubl_cii,l10n_de,l10n_fr
EXTRA_TEMPLATE_DB ?= fb_template_extra_$(ODOO_VERSION)
WRITER_TESTS := addons/finance_bridge_core/tests/test_statement_line_writer.py \
  addons/finance_bridge_core/tests/test_adversarial_bulk_writer.py \
  addons/bank_reconciliation_matching/tests/test_bulk_reconcile_writer.py
TEST_CONF := $(CURDIR)/.odoo-test.conf
# `make run` starts the simulated PSD2 bank (tests/simulators/psd2_bank) beside Odoo; its CA and TPP
# certificates stay in this folder across restarts.
PSD2_SIM_DIR ?= $(CURDIR)/.local/psd2_sim
PSD2_SIM_API_PORT ?= 8469
PSD2_SIM_PSU_PORT ?= 8470
MASTER_KEY_FILE := $(CURDIR)/.local/master.key

.PHONY: help run test adversarial lint wheels clean-test-dbs check-odoo check-pg demo-sync demo-psd2 bench screening-eval check-samples \
	matching-eval screenshots

help:
	@echo "make run     - create/update database '$(DB)' with all addons and demo data, serve on 127.0.0.1:$(HTTP_PORT)"
	@echo "               (and the simulated PSD2 bank: API https://127.0.0.1:$(PSD2_SIM_API_PORT), SCA pages :$(PSD2_SIM_PSU_PORT))"
	@echo "make test    - throw-away database, install all addons, run every test (pytest-odoo)"
	@echo "make adversarial - only the adversarial tests, one summary line per attack class"
	@echo "make lint    - ruff over addons/ and tests/"
	@echo "make wheels  - build odoo-addon-<name> wheels into dist/"
	@echo "make bench   - benchmarks on a throw-away database (prints figures and ratios)"
	@echo "make screening-eval - recall / false hits / speed of the sanctions matcher"
	@echo "make matching-eval - precision / recall / automation rate of the bank matching engine"
	@echo "make screenshots - the treasury dashboards of the demo (throw-away database) into .local/screenshots/treasury/"

check-odoo:
	@$(PYTHON) -c 'import odoo.release' 2>/dev/null || { \
	  echo "Odoo 19.0 is not importable by $(PYTHON): install an Odoo 19.0 source checkout (see README)" >&2; exit 2; }

check-pg:
	@pg_isready -q || { echo "PostgreSQL does not answer (pg_isready): start it first" >&2; exit 2; }

$(MASTER_KEY_FILE):
	@mkdir -p $(dir $@) && umask 077 && $(PYTHON) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' > $@
	@echo "generated a local master key in $@ (keep it: secrets of '$(DB)' are encrypted with it)"

run: check-odoo check-pg $(MASTER_KEY_FILE)
	@export FINANCE_BRIDGE_MASTER_KEY="$${FINANCE_BRIDGE_MASTER_KEY:-$$(cat $(MASTER_KEY_FILE))}"; \
	export FINANCE_BRIDGE_FOLDER_ROOTS="$${FINANCE_BRIDGE_FOLDER_ROOTS:-$$($(PYTHON) -c 'from odoo.tools import config; print(config["data_dir"])')/finance_bridge_demo}"; \
	if psql -lqt | cut -d'|' -f1 | grep -qw "$(DB)"; then MODE="-u $(RUN_ADDONS)"; else MODE="-i $(RUN_ADDONS) --with-demo"; fi; \
	rm -f "$(PSD2_SIM_DIR)/sim.json"; \
	PYTHONPATH=$(CURDIR)/tests $(PYTHON) -m simulators.psd2_bank --state-dir "$(PSD2_SIM_DIR)" --demo \
	  --api-port $(PSD2_SIM_API_PORT) --psu-port $(PSD2_SIM_PSU_PORT) & SIM_PID=$$!; \
	trap 'kill $$SIM_PID 2>/dev/null' EXIT; \
	for i in $$(seq 150); do [ -f "$(PSD2_SIM_DIR)/sim.json" ] && break; sleep 0.2; done; \
	export FINANCE_BRIDGE_PSD2_SIM="$(PSD2_SIM_DIR)/sim.json"; \
	echo "serving $(DB) on http://127.0.0.1:$(HTTP_PORT) (login admin / admin; folder roots: $$FINANCE_BRIDGE_FOLDER_ROOTS)"; \
	$(ODOO) --addons-path=$(ADDONS_DIR) -d $(DB) $$MODE --db-filter='^$(DB)$$' \
	  --http-interface=127.0.0.1 --http-port=$(HTTP_PORT) --max-cron-threads=1 --workers=0

# A template with `account` installed is built once per Odoo version (about 30 s) and
# copied for each run (under a second); the addons themselves are installed fresh every time.
$(TEMPLATE_DB)-exists: check-odoo check-pg
	@if ! psql -lqt | cut -d'|' -f1 | grep -qw "$(TEMPLATE_DB)"; then \
	  echo "building template database $(TEMPLATE_DB) (account, no demo)"; \
	  dropdb --if-exists $(TEMPLATE_DB)_building; \
	  $(ODOO) -c $(TEST_CONF) --addons-path=$(ADDONS_DIR) -d $(TEMPLATE_DB)_building -i account \
	    --stop-after-init --log-level=warn || exit 1; \
	  psql -q -d postgres -c 'ALTER DATABASE "$(TEMPLATE_DB)_building" RENAME TO "$(TEMPLATE_DB)"'; \
	fi

# The extra template: built once per Odoo version from the account template (about 20-60 s).
$(EXTRA_TEMPLATE_DB)-exists: $(TEMPLATE_DB)-exists
	@if ! psql -lqt | cut -d'|' -f1 | grep -qw "$(EXTRA_TEMPLATE_DB)"; then \
	  echo "building template database $(EXTRA_TEMPLATE_DB) ($(EXTRA_MODULES), no demo)"; \
	  dropdb --if-exists $(EXTRA_TEMPLATE_DB)_building; \
	  createdb -T $(TEMPLATE_DB) $(EXTRA_TEMPLATE_DB)_building || exit 1; \
	  $(ODOO) -c $(TEST_CONF) --addons-path=$(ADDONS_DIR) -d $(EXTRA_TEMPLATE_DB)_building -i $(EXTRA_MODULES) \
	    --stop-after-init --log-level=warn || exit 1; \
	  psql -q -d postgres -c 'ALTER DATABASE "$(EXTRA_TEMPLATE_DB)_building" RENAME TO "$(EXTRA_TEMPLATE_DB)"'; \
	fi

# Every test on the account template; then the bulk writer's tests (equality with stock creation,
# extension contract) again on a database with the extra modules. pytest's exit code 5 (no test
# selected, e.g. by -k) is not a failure of the second run.
test: $(TEMPLATE_DB)-exists $(EXTRA_TEMPLATE_DB)-exists
	@set -o pipefail; TEST_DB="fb_test_$$$$_$$(date +%s)"; EXTRA_DB="$${TEST_DB}_extra"; \
	trap 'for db in "$$TEST_DB" "$$EXTRA_DB"; do dropdb --if-exists "$$db" >/dev/null 2>&1; rm -rf "$$HOME/.local/share/Odoo/filestore/$$db"; done' EXIT; \
	createdb -T $(TEMPLATE_DB) "$$TEST_DB" || exit 1; \
	echo "installing $(ADDONS) into $$TEST_DB"; \
	$(ODOO) -c $(TEST_CONF) --addons-path=$(ADDONS_DIR) -d "$$TEST_DB" -i $(ADDONS) --stop-after-init --log-level=warn || exit 1; \
	$(PYTHON) -m pytest -p no:cacheprovider --odoo-database="$$TEST_DB" --odoo-config=$(TEST_CONF) \
	  --odoo-addons-path=$(ADDONS_DIR) --odoo-http $(PYTEST_ARGS) addons tests || exit $$?; \
	createdb -T $(EXTRA_TEMPLATE_DB) "$$EXTRA_DB" || exit 1; \
	echo "installing $(ADDONS) into $$EXTRA_DB (with $(EXTRA_MODULES)): bulk writer tests"; \
	$(ODOO) -c $(TEST_CONF) --addons-path=$(ADDONS_DIR) -d "$$EXTRA_DB" -i $(ADDONS) --stop-after-init --log-level=warn || exit 1; \
	$(PYTHON) -m pytest -p no:cacheprovider --odoo-database="$$EXTRA_DB" --odoo-config=$(TEST_CONF) \
	  --odoo-addons-path=$(ADDONS_DIR) --odoo-http $(PYTEST_ARGS) $(WRITER_TESTS); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

# The attack classes of the hardening review alone; conftest.py prints "class: N cases, N refused as expected".
adversarial:
	@$(MAKE) --no-print-directory test PYTEST_ARGS="-m adversarial $(PYTEST_ARGS)"

SHARED_DATA ?= $(CURDIR)/../shared/data
BENCH_LINES ?= 10000
BENCH_BIG_LINES ?= 100000
BENCH_EXTRA_LINES ?= $(BENCH_LINES)
BENCH_POSITION_LINES ?= 1000000
BENCH_PAYMENTS ?= 2000
BENCH_PSD2_TRANSACTIONS ?= 20000
BENCH_PSD2_PAGES ?= 200
BENCH_WEBHOOKS ?= 1000
# Matching end to end in the database (import, matching, reconciliation writes): lines of the first
# statement (the second has twice as many) against open items, created through the ORM as large
# posted entries (an opening-balance import: one RF reference per receivable line, ~4 min for 50,000).
BENCH_MATCH_LINES ?= 10000
BENCH_MATCH_ITEMS ?= 50000

# A throw-away database with every addon, for the commands below: $(call with_db,<command using $$TEST_DB>)
# (the second, optional argument is the template: the account template by default).
define with_db
	@set -o pipefail; TEST_DB="fb_tmp_$$$$_$$(date +%s)"; \
	trap 'dropdb --if-exists "$$TEST_DB" >/dev/null 2>&1' EXIT; \
	createdb -T $(or $(2),$(TEMPLATE_DB)) "$$TEST_DB" || exit 1; \
	$(ODOO) -c $(TEST_CONF) --addons-path=$(ADDONS_DIR) -d "$$TEST_DB" -i $(ADDONS) --stop-after-init --log-level=warn || exit 1; \
	$(1)
endef

check-samples: $(TEMPLATE_DB)-exists
	$(call with_db,$(PYTHON) tests/check_samples.py -d "$$TEST_DB" --data $(SHARED_DATA)/statements 2>&1 | grep -v "unknown option\|^Running as\|matching id=\|^    \|^no match\|^$$")

screening-eval: check-odoo
	@$(PYTHON) tests/screening_eval.py --data $(SHARED_DATA)/sanctions

matching-eval: check-odoo
	@$(PYTHON) tests/matching_eval.py

# The statement import ratio is measured twice: on the account template (with the large job and
# pain.001), then on the extra template ("bench import_ratio_extra_modules=<ratio>").
bench: $(TEMPLATE_DB)-exists $(EXTRA_TEMPLATE_DB)-exists
	$(call with_db,{ PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_screening.py -d "$$TEST_DB" --data $(SHARED_DATA)/sanctions && \
	  PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_statements.py -d "$$TEST_DB" --lines $(BENCH_LINES) --big-lines $(BENCH_BIG_LINES) && \
	  PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_treasury.py -d "$$TEST_DB" --lines $(BENCH_POSITION_LINES) && \
	  PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_matching.py -d "$$TEST_DB" --db-lines $(BENCH_MATCH_LINES) --db-items $(BENCH_MATCH_ITEMS) && \
	  PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_payments.py -d "$$TEST_DB" --payments $(BENCH_PAYMENTS) && \
	  PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_webhooks.py -d "$$TEST_DB" -c $(TEST_CONF) --deliveries $(BENCH_WEBHOOKS) && \
	  PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_psd2.py -d "$$TEST_DB" -c $(TEST_CONF) --transactions $(BENCH_PSD2_TRANSACTIONS) --pages $(BENCH_PSD2_PAGES) && \
	  PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_rest_toolkit.py -d "$$TEST_DB"; } \
	  2>&1 | grep -v "unknown option\|^Running as")
	@echo "statement import on a database with $(EXTRA_MODULES):"
	$(call with_db,PYTHONUNBUFFERED=1 $(PYTHON) tests/bench/bench_statements.py -d "$$TEST_DB" --lines $(BENCH_EXTRA_LINES) --ratio-only \
	  2>&1 | grep -v "unknown option\|^Running as",$(EXTRA_TEMPLATE_DB))

# The PSD2 demo of a running `make run` over HTTP: Connect, Approve at the simulated bank, Sync now.
demo-psd2:
	@$(PYTHON) tests/demo_psd2_connect.py --url http://127.0.0.1:$(HTTP_PORT) --db $(DB)

# Press "Sync now" on the demo connection of a running `make run`, over XML-RPC like any client.
demo-sync:
	@$(PYTHON) tests/demo_sync_now.py --url http://127.0.0.1:$(HTTP_PORT) --db $(DB)

# The treasury dashboards of the demo: Odoo as `make run` serves it, on a throw-away database with demo
# data and its own port, shot by headless Chromium (tests/screenshots/treasury_screenshots.py).
SHOTS_DB ?= treasury_shots
SHOTS_PORT ?= 8186
SHOTS_DIR ?= $(CURDIR)/.local/screenshots/treasury
screenshots: check-odoo check-pg
	@PYTHONUNBUFFERED=1 $(PYTHON) tests/screenshots/treasury_screenshots.py --db $(SHOTS_DB) --port $(SHOTS_PORT) \
	  --out $(SHOTS_DIR)

lint:
	$(PYTHON) -m ruff check addons tests setup

wheels:
	@rm -rf dist && mkdir -p dist
	@for dir in setup/*/; do \
	  [ -f "$$dir/setup.py" ] || continue; \
	  (cd "$$dir" && $(PYTHON) -m pip wheel --quiet --no-deps --no-build-isolation -w $(CURDIR)/dist .) || exit 1; \
	  rm -rf "$$dir/build" "$$dir"/*.egg-info; \
	done
	@ls -1 dist

clean-test-dbs:
	@psql -lqt | cut -d'|' -f1 | grep -o 'fb_test_[0-9_]*' | xargs -r -n1 dropdb --if-exists
