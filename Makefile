# kaiku: two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
UV := $(VENV)/bin/uv
PY := $(VENV)/bin/python
SERVICES := issuance usage stats portal

.PHONY: help install system-deps run test lint typecheck pytest schemas bench images up down clean translations

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 20

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"

$(VENV)/.installed: $(UV) pyproject.toml uv.lock contracts/pyproject.toml libs/runtime/pyproject.toml libs/devkit/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --all-packages --frozen --python $(PY)
	@touch $@

install: $(VENV)/.installed system-deps  ## create .venv with every package and the dev tools

# Debian's Chromium for the portal's browser tests (services/portal/tests/browser/, which runs
# $KAIKU_CHROMIUM or /usr/bin/chromium). As root (CI, a container) it is installed without asking; as
# another user only after a yes at a terminal, never through sudo without one.
CHROMIUM ?= $(or $(KAIKU_CHROMIUM),/usr/bin/chromium)
APT_CHROMIUM := apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
NO_CHROMIUM := Install it with: sudo apt-get install chromium; or skip the browser tests: KAIKU_SKIP_BROWSER_TESTS=1 make test

system-deps:  ## Debian's chromium for the browser tests (asks before sudo; KAIKU_SKIP_BROWSER_TESTS=1 skips)
	@if [ -x "$(CHROMIUM)" ] || [ "$${KAIKU_SKIP_BROWSER_TESTS:-}" = 1 ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium (the portal's browser tests)"; \
		$(APT_CHROMIUM); \
	elif [ -t 0 ]; then \
		read -r -p "The portal's browser tests need Debian's chromium: install it with sudo apt-get? [y/N] " answer; \
		case "$$answer" in \
			[yY]*) sudo bash -c '$(APT_CHROMIUM)' ;; \
			*) echo "chromium not installed. $(NO_CHROMIUM)" ;; \
		esac; \
	else \
		echo "chromium is missing and there is no terminal to ask before using sudo. $(NO_CHROMIUM)"; \
	fi

run: install  ## the whole platform: broker, databases, migrations, topics, the four services
	$(VENV)/bin/kaiku dev

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy -p kaiku_contracts -p kaiku_runtime -p kaiku_devkit -p kaiku_issuance -p kaiku_usage -p kaiku_stats -p kaiku_portal

pytest: install
	$(VENV)/bin/pytest -q

test: lint typecheck pytest  ## ruff, mypy and every test against a real broker and PostgreSQL

schemas: install  ## regenerate the committed JSON Schemas of the events
	$(VENV)/bin/kaiku-schemas

translations: install  ## the portal's catalogues: extract message ids, update fi/sv/en .po files, compile them
	$(PY) services/portal/translations.py all

bench: install  ## benchmarks: figures printed and written to bench/RESULTS.md
	$(PY) -m bench

images:  ## build the four service images (needs a Docker engine)
	for s in issuance usage stats portal; do docker build --build-arg SERVICE=$$s -t kaiku-$$s:dev . || exit 1; done

up:  ## production-like stack in Docker (needs a Docker engine)
	docker compose -f deploy/compose.yaml up -d --build

down:
	docker compose -f deploy/compose.yaml down

clean:
	rm -rf $(VENV) .kaiku .pytest_cache .mypy_cache .ruff_cache
