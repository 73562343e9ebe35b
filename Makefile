# Two commands do all set-up: `make dev` runs Tutti on embedded defaults, `make test` passes the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint browser bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP)
	$(BIN)/tutti dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The browser tests need a Chromium: Debian's package where we may install it, else Playwright's own build.
browser: $(STAMP)
	@if [ -n "$$TUTTI_CHROMIUM" ] || [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
	else $(BIN)/playwright install chromium; fi

test: lint browser
	$(BIN)/pytest -q

bench: $(STAMP)
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q -s -m benchmark tests/benchmarks

clean:
	rm -rf $(VENV) var
