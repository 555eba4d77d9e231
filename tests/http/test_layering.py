"""The HTTP layer knows nothing of ONNX: importing it must not import onnxruntime, tokenizers or numpy."""

import subprocess
import sys


def test_http_layer_imports_without_the_inference_stack():
    code = ("import sys; import sentiment_service.http.factory, sentiment_service.http.routes; "
            "print(sorted(m for m in ('onnxruntime', 'tokenizers', 'numpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_gunicorn_config_imports_nothing_that_reads_the_bootstrap_environment():
    """gunicorn_conf.py runs bootstrap() in the master; these libraries must be imported only after it."""
    code = ("import runpy, sys; runpy.run_path('app/gunicorn_conf.py'); "
            "print(sorted(m for m in ('onnxruntime', 'tokenizers', 'prometheus_client') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
