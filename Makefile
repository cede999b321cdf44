# The two commands of the quick start: `make build` and `make test`.
# Everything the tests need is installed from here, so a fresh clone works.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The generator byte-compiled and the installed themes' templates compiled (generator/plan/precompiled.py),
# again whenever the code, a template or a catalog changes: a build trusts neither from older code.
COMPILED := $(VENV)/.compiled
COMPILED_FROM := $(wildcard generator/*.py generator/*/*.py themes/*/templates/*.html themes/*/locale/*/LC_MESSAGES/*.po)
VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: build test serve messages check-python java chromium clean

build: $(COMPILED)
	$(BIN)/broadsheet build

test: $(COMPILED) $(VNU_JAR) java chromium
	$(BIN)/python -m pytest

serve: $(COMPILED)
	$(BIN)/broadsheet serve

# The default theme's texts (see babel.cfg): into locale/messages.pot, then into every language's
# catalog (new texts untranslated, the English showing until someone translates them).
messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -c "Translators:" --project Broadsheet --copyright-holder "the Broadsheet authors" \
		-o themes/default/locale/messages.pot .
	$(BIN)/pybabel update -i themes/default/locale/messages.pot -d themes/default/locale \
		--no-fuzzy-matching --width 100

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Broadsheet needs Python 3.11 or newer; set PYTHON=python3.x")'

$(INSTALLED): pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[search,test]"
	touch $@

$(COMPILED): $(INSTALLED) $(COMPILED_FROM)
	@# Byte-compiled, as a regular install leaves a package: an editable one leaves it to the
	@# first run, and where PYTHONDONTWRITEBYTECODE is set every run would compile it again.
	$(BIN)/python -m compileall -q generator
	@# The installed themes' templates, which every build without a cache would otherwise compile.
	$(BIN)/python -m generator.plan.precompiled
	touch $@

# The Nu Html Checker, from the npm registry (versions pinned in package-lock.json).
$(VNU_JAR): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# vnu.jar runs on Java 11 or newer; install Debian's headless runtime when there is none.
java:
	@command -v java >/dev/null 2>&1 || { \
		echo "installing a Java runtime for the Nu Html Checker"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }

# The live-reload tests drive Debian's Chromium with Playwright (pip package, no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Chromium for the live-reload tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) node_modules output .pytest_cache
