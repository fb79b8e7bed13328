# Two commands a fresh machine needs (README): `make demo` and `make test`.
# Each does its own set-up: a .venv with the package installed editable with its dev extra,
# and the Debian font package the emoji dataset renders from.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf

.PHONY: setup fonts demo preview test test-slow test-nb test-py docs-check refresh bench clean

setup: $(STAMP) fonts

$(STAMP): setup.py settings.ini
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -e ".[dev]"
	@touch $(STAMP)

# The emoji dataset needs a colour-emoji font. Install Debian's package where apt is usable.
fonts:
	@if [ -n "$$MEGAPIXEL_SUNDAE_EMOJI_FONT" ] || [ -f "$(FONT)" ]; then exit 0; fi; \
	 if command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	   SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	   echo "Installing fonts-noto-color-emoji (needed by the built-in emoji dataset)"; \
	   $$SUDO apt-get install -y -q fonts-noto-color-emoji >/dev/null 2>&1 || \
	   { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q fonts-noto-color-emoji >/dev/null; } || \
	   { echo "ERROR: apt-get could not install fonts-noto-color-emoji."; exit 1; }; \
	 else \
	   echo "ERROR: the emoji dataset needs the Noto Color Emoji font at $(FONT)."; \
	   echo "  On Debian/Ubuntu: sudo apt-get install fonts-noto-color-emoji"; \
	   echo "  Elsewhere: point MEGAPIXEL_SUNDAE_EMOJI_FONT at any colour-emoji .ttf"; \
	   exit 1; \
	 fi

demo: setup
	$(BIN)/megapixel-sundae demo --out demo_out

# Fails if nbdev_export or nbdev_clean would change anything, then runs every notebook
# (flagged cells skipped) and the pytest suite, and prints the counts.
test: setup
	@$(BIN)/python tools/check_export.py
	@$(BIN)/python tools/run_tests.py

test-slow: setup
	$(BIN)/nbdev_test --flags "slow" --do_print --timing

test-nb: setup
	$(BIN)/nbdev_test --do_print --timing

test-py: setup
	$(BIN)/python -m pytest tests -q

# Render every docs page (with its saved outputs) to HTML without quarto.
docs-check: setup
	$(BIN)/python tools/docs_check.py

# Re-run a notebook in-process and save its outputs: make refresh NB=nbs/02_vqgan.ipynb [FLAGS=slow]
refresh: setup
	$(BIN)/python tools/refresh_outputs.py $(NB) $(if $(FLAGS),--flags $(FLAGS),)

bench: setup
	@for b in tests/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf _proc _docs docs_check build dist *.egg-info
