# The one entry point: the README, .ci/run and the GitHub workflow call these targets.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
VERSION := $(shell cat app/VERSION)
# The image name and tag Compose runs (docker-compose.yml has the same defaults): the release tag of
# app/VERSION unless IMAGE or TAG is set in the environment or in .env, read in Compose's order of precedence,
# so that `make image` builds exactly what `docker compose up` starts.
dotenv  = $(shell sed -n 's/^$(1)=//p' .env 2>/dev/null | tail -n 1)
IMAGE  ?= $(or $(call dotenv,IMAGE),ghcr.io/sentiment-service/sentiment-service)
TAG    ?= $(or $(call dotenv,TAG),v$(VERSION))
export PORT ?= 8000

TRAIN_VENV ?= .venv-train
DATA_DIR   ?= ../shared/data
WORK       ?= training/work

.PHONY: help venv serve-venv train-venv run test test-fast lint evaluate bench bench-bulk overload score soak screenshots image model release clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# One virtualenv in two layers. The serving layer (the pinned runtime alone) is all `make run` needs, so a fresh
# clone serves in seconds; the development layer adds the test, benchmark and bulk tools and the package itself.
# Each layer is reinstalled when one of its files changes.
$(VENV)/.serving: app/requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# --no-deps: app/requirements.txt is the complete, exact list of what the service runs on. --no-compile:
	# modules are compiled when first imported, so serving pays only for what it imports.
	$(PIP) install --quiet --disable-pip-version-check --no-compile --no-deps -r app/requirements.txt
	touch $@

$(VENV)/.installed: $(VENV)/.serving requirements-dev.txt bench/requirements.txt requirements-bulk.txt requirements-spark.txt pyproject.toml
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	$(PIP) install --quiet -r bench/requirements.txt
	# Bulk scoring's extras (pyarrow, tqdm, pyspark, pandas): tested here, never in the image.
	$(PIP) install --quiet -r requirements-bulk.txt -r requirements-spark.txt
	# The project itself, editable, so `sentiment_service` imports from any directory without path edits.
	$(PIP) install --quiet --no-deps -e .
	touch $@

venv: $(VENV)/.installed ## create the virtualenv with runtime and test dependencies

serve-venv: $(VENV)/.serving ## create the virtualenv's serving layer only (what `make run` needs)

# Training, export, evaluation and the benchmark's PyTorch baseline: torch and transformers, never in the image.
$(TRAIN_VENV)/.installed: training/requirements.txt app/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install --quiet --upgrade pip
	$(TRAIN_VENV)/bin/pip install --quiet -r training/requirements.txt
	$(TRAIN_VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

train-venv: $(TRAIN_VENV)/.installed ## create the training/benchmark virtualenv (PyTorch CPU, transformers)

# The Kubernetes manifest checkers (tests/deploy finds them here): a venv of their own, because checkov
# pins many libraries exactly and would fight the test tools over them.
K8S_VENV := .venv-k8s
$(K8S_VENV)/.installed: requirements-k8s.txt
	$(PYTHON) -m venv $(K8S_VENV)
	$(K8S_VENV)/bin/pip install --quiet --upgrade pip
	$(K8S_VENV)/bin/pip install --quiet -r requirements-k8s.txt
	touch $@

.PHONY: k8s-venv
k8s-venv: $(K8S_VENV)/.installed ## create .venv-k8s with checkov and kubernetes-validate

run: $(VENV)/.serving ## serve the shipped model on 0.0.0.0:$PORT (default 8000) with gunicorn
	@echo "playground: http://localhost:$(PORT)/  (API: http://localhost:$(PORT)/openapi.json)"
	# The package from the checkout, as the image runs it (PYTHONPATH=app): serving needs no install of its own.
	PYTHONPATH=app $(VENV)/bin/gunicorn -c app/gunicorn_conf.py sentiment_service.wsgi:app

# The training environment too: model import is tested as users run it, in .venv-train (torch, transformers).
test: venv k8s-venv train-venv ## run the whole test suite (container tests run when a Docker engine is reachable)
	$(PY) -m pytest

# The unit tests: no process started, no system tool, no container, browser or JVM (tests/conftest.py marks them).
FAST_TESTS := not (integration or container or browser or spark or system or slow)
test-fast: venv ## the unit tests only, in seconds (everything `make test` runs that starts nothing)
	$(PY) -m pytest -q -m "$(FAST_TESTS)"

lint: venv ## ruff, hadolint and actionlint (also run inside the test suite)
	$(VENV)/bin/ruff check app tests training bench evaluation scripts
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/actionlint .github/workflows/build.yml

evaluate: venv ## score a JSONL of {"text","label"} through the service's predictor: make evaluate DATA=file.jsonl
	$(PY) -m evaluation $(DATA)

bench: venv train-venv ## start the service on loopback and print the performance table (minutes)
	$(PY) -m bench.run
	# Bulk scoring (score command and Spark local mode) against the ceiling, measured again in its own run, and
	# the peak memory of scoring a 1 GB CSV. Both runs record their figures in bench/measurements.json.
	$(PY) -m bench.bulk --rss-csv-mb 1024 --rss-seconds 120
	# One model against two in one service: each model's /predict throughput, and the memory per worker.
	$(PY) -m bench.models
	# The shipped model against the release it was fine-tuned from (START_REF), served alike, in the same run.
	$(PY) -m bench.previous_model --previous-ref $(START_REF)

overload: venv ## offer 1x-10x the measured capacity; print goodput, 429/503 shares and latency (a few minutes)
	$(PY) -m bench.overload
bench-bulk: venv ## bulk scoring throughput (score command, Spark local mode) against the onnxruntime ceiling (minutes)
	$(PY) -m bench.bulk

score: venv ## add a sentiment column to a table: make score IN=reviews.csv OUT=scored.csv [TEXT_COLUMN=review]
	$(PY) -m sentiment_service.bulk score $(IN) $(OUT) --text-column $(or $(TEXT_COLUMN),text)

soak: venv ## bounded soak test against the real service: make soak DURATION=600 CONCURRENCY=32
	$(PY) -m bench.soak --duration $${DURATION:-600} --concurrency $${CONCURRENCY:-32}

screenshots: venv ## the playground page in each state, desktop and phone, as PNGs in build/screenshots (needs Chromium)
	$(PY) -m tests.browser.screenshots build/screenshots

# Model 3.0.0 is the fine-tune command run over the whole mixture, from 2.0.0's weights (START_REF). 2.0.0 was
# trained from 1.1.0's on prepare_binary.py's rows: those texts are kept out of every test set (--seen).
# LEAVE_OUT=amazon (any sources, comma-separated) builds it without them: the Amazon reviews are licensed for
# academic research only. What a source adds is measured by a build without it elsewhere, say
# `make model LEAVE_OUT=amazon WORK=training/work-no-amazon MODEL_OUT=training/work-no-amazon/model`, whose
# report.json the shipped build then records: WITHOUT="amazon=training/work-no-amazon/report.json". Every step is resumable: an interrupted tune resumes from $(WORK)/tune-work, and a
# finished one ($(WORK)/tuned) is not trained again; `rm -rf $(WORK)` starts afresh.
START_REF ?= 08ada2c
LEAVE_OUT ?=
MODEL_OUT ?= models/sentiment-minilm-l6
WITHOUT   ?=
model: train-venv ## rebuild the shipped model: prepare the mixture -> fine-tune from 2.0.0 (resumable, niced) -> report -> package
	mkdir -p $(WORK)/start
	for f in manifest.json model.onnx tokenizer.json; do git show $(START_REF):models/sentiment-minilm-l6/$$f > $(WORK)/start/$$f; done
	$(TRAIN_VENV)/bin/python -m training.prepare_binary --data $(DATA_DIR) --out $(WORK)/stage1-data
	$(TRAIN_VENV)/bin/python -m training.prepare --data $(DATA_DIR) --out $(WORK)/data --seen $(WORK)/stage1-data/train.jsonl \
		--extra amazon,finance,goemotions --leave-out "$(LEAVE_OUT)"
	test -d $(WORK)/tuned || HF_HUB_OFFLINE=1 nice -n 19 $(TRAIN_VENV)/bin/python -m sentiment_service.tune \
		$(WORK)/data/train/*.jsonl $$(for f in $(WORK)/data/train/binary-*.jsonl; do echo --partial $$f; done) \
		--from $(WORK)/start --eval $(WORK)/data/eval_mixture.jsonl --out $(WORK)/tuned --work $(WORK)/tune-work \
		--name sentiment-minilm-l6 --version 3.0.0 --precision int8 --epochs 1 --eval-every 500
	$(TRAIN_VENV)/bin/python -m training.report --model $(WORK)/tuned --baseline $(WORK)/start --data $(WORK)/data \
		--out $(WORK)/report.json
	$(TRAIN_VENV)/bin/python -m training.package --model $(WORK)/tuned --data $(WORK)/data --report $(WORK)/report.json \
		$(foreach w,$(WITHOUT),--without $(w)) --out $(MODEL_OUT)

release: venv ## cut a release: make release VERSION=x.y.z (version files, changelog, image tag, checks; prints the tag command)
	@test -n "$(filter command line,$(origin VERSION))" || { echo "usage: make release VERSION=x.y.z"; exit 2; }
	$(PY) -m scripts.release $(VERSION)

image: ## build the container image that docker compose runs (needs a Docker engine)
	docker build --network host --build-arg VERSION=$(VERSION) \
		--build-arg REVISION=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) -t $(IMAGE):$(TAG) .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
