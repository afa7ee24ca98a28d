# まどぐちナビ — the README's commands, the same list CI runs.
SHELL := /bin/bash
PYTHON310 ?= $(firstword $(wildcard /root/.pyenv/versions/3.10*/bin/python3.10) $(shell pyenv which python3.10 2>/dev/null) $(wildcard /usr/bin/python3.10 /usr/local/bin/python3.10))
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/current.tar.gz
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore

# Reviewed examples (nlu_data/reviewed/) go live only through `madoguchi retrain`'s gate (docs/retrain.md):
# a change there alone does not retrain the live model.
TRAINING_INPUTS := config.yml assistant/rasa/domain.yml assistant/rasa/rules.yml \
	$(filter-out nlu_data/reviewed/%,$(wildcard nlu_data/*.yml nlu_data/*/*.yml)) $(wildcard assistant/nlu/*.py assistant/nlu/*.yml) assistant/text.py assistant/server/policy.py

.PHONY: install run test test-fast chat check train validate bench bench-load report clean

## install: the virtualenv with every dependency (pyproject.toml)
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v chromium >/dev/null && fc-list | grep -q "Noto Sans CJK" && command -v ss >/dev/null || { \
		echo "installing Debian packages: chromium, fonts-noto-cjk (browser tests and screenshots), iproute2 (ss: a socket test)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk iproute2 >/dev/null; }
	@test -n "$(PYTHON310)" || { echo "python3.10 not found (Rasa 3.6 needs Python 3.10)"; exit 1; }
	test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" wheel "setuptools<81"
	$(PY) -m pip install --quiet -e ".[dev]"
	@# axe-core from the npm registry for the kiosk's accessibility check (tests only; the pages need no CDN)
	-command -v npm >/dev/null && npm install --silent --prefix .cache/npm --no-audit --no-fund axe-core@4
	touch $@

## train: train the model when it is older than its data
train: $(MODEL)

$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	$(RASA) train --config config.yml --domain assistant/rasa/domain.yml \
		--data nlu_data assistant/rasa/rules.yml --out models --fixed-model-name current --force

## check: validate knowledge/ (file and key of any error)
check: install
	$(PY) -m assistant.cli check

## validate: rasa data validate
validate: install
	$(RASA) data validate --config config.yml --domain assistant/rasa/domain.yml --data nlu_data assistant/rasa/rules.yml

## run: install, train when needed, start the action server and the Rasa server (SQLite)
run: install check $(MODEL)
	$(PY) -m assistant.cli run

## chat: chat in the terminal with the assistant started by `make run`
chat: install
	$(PY) -m assistant.cli chat

## test: the whole test suite (trains the model first when needed), in two processes: a test module
## stays in one process, so its module-scoped servers start once (`--dist loadscope`)
test: install $(MODEL)
	$(PY) -m pytest -n 2 --dist loadscope

## test-fast: the tests that need no model or server
test-fast: install
	$(PY) -m pytest -m "not model" -n 2 --dist loadscope

## report: collect the conversations into analytics, then the last month's デジタルデバイド対策レポート
## (MONTH=YYYY-MM for another month); written to reports/
MONTH ?= $(shell date -d "$$(date +%Y-%m-01) -1 day" +%Y-%m)
report: install
	$(PY) -m assistant.cli analytics collect
	$(PY) -m assistant.cli report --month $(MONTH) --out reports/digital-divide-$(MONTH).html

## bench: accuracy vs a baseline, latency, memory, training time
bench: install $(MODEL)
	$(PY) bench/run.py

## bench-load: 200 conversations for 60 s and a ramp, embedded and production profiles
bench-load: install $(MODEL)
	$(PY) bench/load.py

clean:
	rm -rf models .rasa data test-artifacts
