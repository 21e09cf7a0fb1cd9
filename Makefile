# make            build the EPUB and the PDF of book/ into dist/
# make test       run every test         make test-fast   the quick in-process ones (under a minute)
# make help       list every target
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BOOK   ?= book
OUT    ?= dist
# EDITION=zh-Hant: the Traditional Chinese edition (OpenCC), dist/<slug>.zh-Hant.epub and .pdf.
EDITION ?=

# The output name is the book's slug: read it from book.toml without starting Python, so a
# `make` with nothing to do stays instant; books without a slug ask the builder's own rule.
SLUG := $(shell sed -n 's/^slug *= *"\([^"]*\)".*/\1/p' $(BOOK)/book.toml 2>/dev/null)
ifeq ($(SLUG),)
SLUG := $(shell $(PY) -c 'import sys, tomllib; from zhbook.load import slugify; print(slugify(tomllib.load(open(sys.argv[1], "rb"))["title"]))' $(BOOK)/book.toml 2>/dev/null)
endif
EDITION_SUFFIX := $(if $(EDITION),.$(EDITION))
EDITION_ARGS   := $(if $(EDITION), --edition $(EDITION))
# READER=kobo … builds the EPUB of a reader profile (build.py epub --reader; docs/readers.md): standard is
# dist/<slug>.epub, kobo dist/<slug>.kepub.epub, the others dist/<slug>.<reader>.epub.
READER ?= standard
EPUB_SUFFIX := $(if $(filter standard,$(READER)),.epub,$(if $(filter kobo,$(READER)),.kepub.epub,.$(READER).epub))
EPUB := $(OUT)/$(SLUG)$(EDITION_SUFFIX)$(EPUB_SUFFIX)
PDF  := $(OUT)/$(SLUG)$(EDITION_SUFFIX).pdf

BOOK_SOURCES := $(shell find $(BOOK) -type f 2>/dev/null)
# Every file of the builder, nested packages (zhbook/pdf/, zhbook/epub/, …) and templates included.
TOOL_SOURCES := build.py $(shell find zhbook styles fonts -type f ! -path '*/__pycache__/*' ! -name '*.pyc' 2>/dev/null)
VENV_STAMP   := $(VENV)/.installed

PRINT_PDF := $(OUT)/$(SLUG)$(EDITION_SUFFIX).print.pdf

.PHONY: all epub pdf print test test-fast check clean help

all: epub pdf ## build the EPUB and the PDF (default)

epub: $(EPUB) ## build dist/<slug>.epub (EDITION=zh-Hant: dist/<slug>.zh-Hant.epub; READER=kobo|apple|kindle|duokan|weread: that reader's)

pdf: $(PDF) ## build dist/<slug>.pdf (EDITION=zh-Hant: dist/<slug>.zh-Hant.pdf)

$(EPUB): $(BOOK_SOURCES) $(TOOL_SOURCES) | $(VENV_STAMP)
	$(PY) build.py epub --reader $(READER) --book $(BOOK) --out $(OUT)$(EDITION_ARGS)

$(PDF): $(BOOK_SOURCES) $(TOOL_SOURCES) | $(VENV_STAMP)
	$(PY) build.py pdf --book $(BOOK) --out $(OUT)$(EDITION_ARGS)

print: $(PRINT_PDF) ## build dist/<slug>.print.pdf: 3 mm bleed and crop marks

$(PRINT_PDF): $(BOOK_SOURCES) $(TOOL_SOURCES) | $(VENV_STAMP)
	$(PY) build.py pdf --print --book $(BOOK) --out $(OUT)$(EDITION_ARGS)

# The virtual environment, created with the pinned dependencies on first use; then zhbook itself in
# editable mode (its dependencies are the pins just installed; the pinned setuptools builds it), which
# gives .venv/bin/zhbook.
$(VENV_STAMP): requirements.txt requirements-dev.txt pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# pytest's configuration (test paths, markers, --strict-markers) is in pyproject.toml.
test: | $(VENV_STAMP) ## run every test (they build the real book and open it with EPUBCheck, calibre, Chromium)
	$(PY) -m pytest -q tests

test-fast: | $(VENV_STAMP) ## run the fast in-process tests only (pytest -m fast: no Java, Node, calibre, Chromium)
	$(PY) -m pytest -q -m fast tests

# The property test on many more generated books than `make test` runs (200).
FUZZ_EXAMPLES ?= 2000
.PHONY: fuzz
fuzz: | $(VENV_STAMP) ## fuzz the builder: FUZZ_EXAMPLES generated books, each an error line or a valid EPUB
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/test_fuzz.py

# The benchmark: synthetic books of 100K, 300K and 1M Chinese characters, built by zhbook, pandoc and
# plain WeasyPrint; the tables go to bench/results.md. About 15 minutes on 2 cores.
.PHONY: bench
bench: | $(VENV_STAMP) ## benchmark against pandoc and plain WeasyPrint: bench/results.md (SIZES=100k,300k,1m)
	$(PY) bench/run.py --sizes $(or $(SIZES),100k,300k,1m)

# make preview [PORT=N]: the book on http://127.0.0.1:PORT/, reloading on every save; the PDF follows in dist/.
PORT ?= 8000
.PHONY: preview
preview: | $(VENV_STAMP) ## serve the book on 127.0.0.1 (PORT=8000), live: pages reload on save, the PDF follows
	$(PY) build.py preview --book $(BOOK) --out $(OUT) --port $(PORT)

# make import SRC=RAW.txt OUT=DIR: a scraped article to a book folder (then: make BOOK=DIR). OUT must be
# given: its default, dist/, is where books are built, not a book folder.
.PHONY: import
import: | $(VENV_STAMP) ## turn a scraped article into a book folder: make import SRC=RAW.txt OUT=DIR
	@if [ -z "$(SRC)" ] || [ "$(origin OUT)" = "file" ]; then \
		echo "usage: make import SRC=RAW.txt OUT=DIR  (the article's text file, the book folder to write)" >&2; \
		exit 2; fi
	$(PY) build.py import "$(SRC)" --out "$(OUT)"

# make check FILE=some.epub checks any EPUB; without FILE, the built one (READER=… picks the profile's).
check: $(if $(FILE),,$(EPUB)) | $(VENV_STAMP) ## EPUBCheck, then the e-reader rules, on the built EPUB (or FILE=any.epub)
	$(PY) build.py check "$(or $(FILE),$(EPUB))"

clean: ## remove dist/ and .cache/
	rm -rf $(OUT) .cache

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort
