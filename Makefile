# padnet: two commands on a fresh machine.
#   make book   create/refresh .venv, install, execute the chapters (quick mode), build the site and
#               check it in headless Chromium (installs Debian's chromium and npm's mathjax when missing)
#   make test   create/refresh .venv, install, run the whole test suite (unit + nbval on the chapters)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.padnet-installed
MODE   ?= quick
DEVICE ?= auto
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

NPM    := .npm/node_modules
.PHONY: setup site-tools book test bench clean

setup: $(STAMP)

# (Re)install whenever the pins change; the venv itself is created once.
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,book,baselines]"
	@touch $(STAMP)

# Offline site: MathJax is served from the site; the browser check needs Chromium and playwright-core.
site-tools: $(NPM)/mathjax/es5/tex-mml-chtml.js
	@command -v chromium >/dev/null || { echo "installing Debian's chromium"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q chromium >/dev/null; }

$(NPM)/mathjax/es5/tex-mml-chtml.js:
	npm install --prefix .npm --no-save --no-audit --no-fund mathjax@3.2.2 playwright-core@1.64.1

book: setup site-tools
	$(PY) scripts/build_book.py --mode $(MODE) --device $(DEVICE) --jobs $(JOBS)

# Unit tests, then nbval (strict) on freshly executed quick-mode chapters: a rerun must reproduce
# every printed number.  pytest exits 5 when it collected nothing: that must fail, not pass silently.
NBVAL := --nbval --nbval-sanitize-with book/nbval_sanitize.cfg -p no:cacheprovider
test: setup
	$(PY) scripts/build_book.py --mode quick --device cpu --jobs $(JOBS) --no-site
	@rc=0; $(PY) -m pytest -n $(JOBS) --dist loadfile tests book/*.ipynb $(NBVAL) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

bench: setup
	$(PY) scripts/bench_core.py
	$(PY) scripts/bench_deconv.py

clean:
	rm -rf _build book/_executed .pytest_cache .npm
