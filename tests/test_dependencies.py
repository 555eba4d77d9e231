"""app/requirements.txt is the complete, exact list of what the service runs on (docs/RUNBOOK.md, "Dependencies").

It is installed with `pip install --no-deps`, so these tests prove what that relies on: every line is an exact
pin, every declared dependency of a pinned package is pinned too except three left out on purpose, and the
service starts, loads the shipped model and answers without those three.
"""

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "app" / "requirements.txt"
# Declared by onnxruntime (flatbuffers, protobuf: its export and quantization tooling) and by tokenizers
# (huggingface_hub: downloads from the hub); the service loads local files only.
LEFT_OUT = {"flatbuffers": "flatbuffers", "protobuf": "google.protobuf", "huggingface-hub": "huggingface_hub"}

# Runs in a fresh interpreter where the modules left out cannot be imported, as in the image.
SERVE_WITHOUT_THEM = """
import importlib.abc, json, runpy, sys
from importlib import metadata

AT_START = set(sys.modules)  # the interpreter's own, and what .pth files load (setuptools' _distutils_hack)
ABSENT = set(sys.argv[1:])

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == m or name.startswith(m + ".") for m in ABSENT):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
# What the image runs: gunicorn's configuration (the master), its worker class, the app with the shipped
# model (a worker), and the container's health check.
runpy.run_path("app/gunicorn_conf.py")
import sentiment_service.healthcheck, sentiment_service.server.worker
from sentiment_service.service import build_app
from sentiment_service.settings import load_settings

client = build_app(load_settings()).test_client()
statuses = [client.get("/ready").status_code, client.get("/metrics").status_code]
for path, body in (("/predict", {"text": "I loved it"}), ("/batch-predict", {"texts": ["great", "awful"]}),
                   ("/explain", {"text": "a weak ending"})):
    statuses.append(client.post(path, json=body).status_code)
providers = metadata.packages_distributions()
loaded = {dist for name in set(sys.modules) - AT_START for dist in providers.get(name.partition(".")[0], [])}
print(json.dumps({"statuses": statuses, "distributions": sorted(loaded)}))
"""


def pins() -> dict[str, str]:
    lines = [line.strip() for line in REQUIREMENTS.read_text().splitlines()]
    requirements = [Requirement(line) for line in lines if line and not line.startswith("#")]
    for requirement in requirements:
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"not an exact pin: {requirement}"
        assert not requirement.marker and not requirement.extras, f"the image installs it plainly: {requirement}"
    return {canonicalize_name(r.name): next(iter(r.specifier)).version for r in requirements}


def test_every_runtime_dependency_is_pinned_exactly_and_installed_at_its_pin():
    for name, version in pins().items():
        assert metadata.version(name) == version, f"the tests run {name} {metadata.version(name)}, not the pin"


def test_the_only_declared_dependencies_left_unpinned_are_the_deliberate_ones():
    pinned, unpinned = pins(), set()
    for name in pinned:
        for declared in map(Requirement, metadata.requires(name) or []):
            if (declared.marker is None or declared.marker.evaluate({"extra": ""})) and \
                    canonicalize_name(declared.name) not in pinned:
                unpinned.add(canonicalize_name(declared.name))
    assert unpinned == set(LEFT_OUT)


def test_the_service_serves_the_shipped_model_without_the_dependencies_left_out(tmp_path):
    # The settings' variables are already cleared (conftest.py); this one keeps the metrics files in tmp_path.
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    result = subprocess.run([sys.executable, "-c", SERVE_WITHOUT_THEM, *LEFT_OUT.values()], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [200] * 5
    # Everything it imported comes from a pinned distribution (or is the service itself).
    loaded = {canonicalize_name(dist) for dist in report["distributions"]} - {"sentiment-service"}
    assert loaded <= set(pins()), loaded - set(pins())
