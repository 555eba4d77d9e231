# The one entry point: the README, .ci/run and the GitHub workflow call these targets.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
IMAGE  ?= sentiment-service
VERSION := $(shell cat app/VERSION)
export PORT ?= 8000

TRAIN_VENV ?= .venv-train
DATA_DIR   ?= ../shared/data
WORK       := training/work

.PHONY: help venv train-venv run test lint evaluate bench soak image model clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# The virtualenv is rebuilt whenever a requirements file changes.
$(VENV)/.installed: app/requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# --no-deps: app/requirements.txt is the complete, exact list of what the service runs on.
	$(PIP) install --quiet --no-deps -r app/requirements.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed ## create the virtualenv with runtime and test dependencies

# Training, export, evaluation and the benchmark's PyTorch baseline: torch and transformers, never in the image.
$(TRAIN_VENV)/.installed: training/requirements.txt app/requirements.txt
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install --quiet --upgrade pip
	$(TRAIN_VENV)/bin/pip install --quiet -r training/requirements.txt
	touch $@

train-venv: $(TRAIN_VENV)/.installed ## create the training/benchmark virtualenv (PyTorch CPU, transformers)

run: venv ## serve the shipped model on 0.0.0.0:$PORT (default 8000) with gunicorn
	$(VENV)/bin/gunicorn -c app/gunicorn_conf.py app.wsgi:app

test: venv ## run the whole test suite (container tests run when a Docker engine is reachable)
	$(PY) -m pytest

lint: venv ## ruff, hadolint and actionlint (also run inside the test suite)
	$(VENV)/bin/ruff check app tests training bench
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/actionlint .github/workflows/build.yml

evaluate: venv ## score a JSONL of {"text","label"} through the service's predictor: make evaluate DATA=file.jsonl
	$(PY) -m app.evaluate $(DATA)

bench: venv train-venv ## start the service on loopback and print the performance table (minutes)
	$(PY) bench/run.py

soak: venv ## bounded soak test against the real service: make soak DURATION=600 CONCURRENCY=32
	$(PY) bench/soak.py --duration $${DURATION:-600} --concurrency $${CONCURRENCY:-32}

model: train-venv ## rebuild the shipped model: prepare -> train (resumable, niced) -> export -> quantize -> evaluate -> package
	$(TRAIN_VENV)/bin/python training/prepare.py --data $(DATA_DIR) --out $(WORK)/data
	HF_HUB_OFFLINE=1 nice -n 19 $(TRAIN_VENV)/bin/python training/train.py --data $(WORK)/data --out $(WORK)/run
	HF_HUB_OFFLINE=1 $(TRAIN_VENV)/bin/python training/export.py --model $(WORK)/run/final --out $(WORK)/onnx
	$(TRAIN_VENV)/bin/python training/quantize.py --model $(WORK)/onnx/model-int8-dynamic.onnx --out $(WORK)/onnx/model-int8.onnx
	$(TRAIN_VENV)/bin/python training/evaluate.py --onnx $(WORK)/onnx --data $(WORK)/data --out $(WORK)/report.json
	$(TRAIN_VENV)/bin/python training/package.py --onnx $(WORK)/onnx --run $(WORK)/run --data $(WORK)/data \
		--report $(WORK)/report.json $$(test -f $(WORK)/teacher_cost.json && echo --teacher-cost $(WORK)/teacher_cost.json) \
		--out models/sentiment-minilm-l6

image: ## build the container image (needs a Docker engine)
	docker build --network host --build-arg VERSION=$(VERSION) \
		--build-arg REVISION=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) -t $(IMAGE):$(VERSION) .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
