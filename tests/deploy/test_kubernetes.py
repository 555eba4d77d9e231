"""The Kubernetes manifests: every overlay renders, validates against the API schemas, passes checkov,
and agrees with the service's own files (Dockerfile, gunicorn config, settings, VERSION, alert rules).

The service's files are read as text: the manifests must follow them, whatever the package is called.
kubectl (with its built-in kustomize) renders the overlays; checkov and kubernetes-validate come from
.venv-k8s (`make k8s-venv`). Where either is missing the tests that need it skip and say why.
"""

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sentiment_service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
OVERLAYS = ["dev", "production"]
K8S_BIN = ROOT / ".venv-k8s" / "bin"
# The oldest Kubernetes these manifests support (autoscaling/v2, policy/v1 and Pod Security admission
# are all GA from 1.25) and the newest kubernetes-validate bundles.
KUBERNETES_VERSIONS = ["1.25.0", "1.37.0"]
# Prometheus Operator CRDs: kubernetes-validate has no schema for them, so only they go unvalidated.
SCHEMALESS_KINDS = {"ServiceMonitor", "PrometheusRule"}
# Seconds the master needs, after GRACEFUL_TIMEOUT_S, to reap its workers and exit.
EXIT_MARGIN_S = 5


# --- the service's own files, read as text ---------------------------------------------------------

def read_timings() -> dict[str, int]:
    """KEY=VALUE lines of base/timings.env; raises ValueError on any other line."""
    timings = {}
    for line in (KUBE / "base" / "timings.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            timings[key] = int(value)
    return timings


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def package_dir() -> Path:
    """The service's package: where the image's CMD finds its gunicorn config."""
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile(), re.M).group(1))
    return (ROOT / command[command.index("-c") + 1]).parent


def source_defining(marker: str) -> str:
    """Text of the one module of the package that contains marker."""
    matches = [p.read_text() for p in package_dir().rglob("*.py") if marker in p.read_text()]
    assert len(matches) == 1, f"{len(matches)} modules contain {marker!r}"
    return matches[0]


def settings_field(name: str) -> tuple[int, int, int] | None:
    """(default, ge, le) of an integer settings field, or None when the settings define no such field."""
    field = Settings.model_fields.get(name)
    if field is None:
        return None
    bounds = {type(m).__name__: m for m in field.metadata}
    return field.default, bounds["Ge"].ge, bounds["Le"].le


def service_version() -> str:
    return (package_dir() / "VERSION").read_text().strip()


# --- rendering ------------------------------------------------------------------------------------

def kustomize(directory: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: it renders the overlays (kubectl kustomize, kustomize v5)")
    result = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def with_component(tmp_path_factory, component: str) -> list[dict]:
    """The production overlay rendered with one of the optional components."""
    # kustomize accepts only relative paths to other kustomizations.
    folder = tmp_path_factory.mktemp(f"with-{component}")
    relative = Path("../" * len(folder.parts[1:]))
    (folder / "kustomization.yaml").write_text(yaml.safe_dump({
        "resources": [str(relative / KUBE.relative_to("/") / "overlays" / "production")],
        "components": [str(relative / KUBE.relative_to("/") / "components" / component)],
    }))
    return kustomize(folder)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    """Every overlay as rendered documents, plus production with each optional component."""
    out = {name: kustomize(KUBE / "overlays" / name) for name in OVERLAYS}
    for component in ("prometheus-adapter", "model-volume"):
        out[f"production+{component}"] = with_component(tmp_path_factory, component)
    return out


@pytest.fixture(scope="module")
def rendered_files(rendered, tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("rendered")
    paths = []
    for name, docs in rendered.items():
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(docs))
        paths.append(path)
    return paths


def one(docs: list[dict], kind: str) -> dict:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"{len(found)} objects of kind {kind}"
    return found[0]


def pod_spec(docs: list[dict]) -> dict:
    return one(docs, "Deployment")["spec"]["template"]["spec"]


def container(docs: list[dict]) -> dict:
    (only,) = pod_spec(docs)["containers"]
    return only


def k8s_tool(name: str) -> Path:
    path = K8S_BIN / name
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} is missing: run `make k8s-venv`")
    return path


# --- shape of each overlay ------------------------------------------------------------------------

def test_dev_runs_one_replica_without_an_autoscaler(rendered):
    docs = rendered["dev"]
    assert one(docs, "Deployment")["spec"]["replicas"] == 1
    assert not [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]


def test_production_keeps_three_replicas_spread_over_zones_and_nodes(rendered):
    docs = rendered["production"]
    hpa = one(docs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] >= 3 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == one(docs, "Deployment")["metadata"]["name"]
    # The autoscaler owns the count: a replicas field would be reset by every apply.
    assert "replicas" not in one(docs, "Deployment")["spec"]
    spread = {c["topologyKey"]: c for c in pod_spec(docs)["topologySpreadConstraints"]}
    assert set(spread) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    labels = one(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert all(c["labelSelector"]["matchLabels"] == labels for c in spread.values())
    assert one(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_has_the_whole_service_in_a_restricted_namespace(rendered, overlay):
    docs = rendered[overlay]
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor", "PrometheusRule"} <= kinds
    namespace = one(docs, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {namespace["metadata"]["name"]}
    assert one(docs, "Service")["spec"]["type"] == "ClusterIP"
    # Nothing secret is shipped: the API key Secret is created in the cluster (docs/RUNBOOK.md).
    assert "Secret" not in kinds


# --- agreement with the service's files -----------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_image_tag_is_the_service_version(rendered, overlay):
    image = container(rendered[overlay])["image"]
    assert image.endswith(f":v{service_version()}"), f"{image} is not the release tag of VERSION {service_version()}"


def test_timings_reach_the_container_only_from_timings_env(rendered):
    timings = read_timings()
    assert {"DRAIN_DELAY_S", "GRACEFUL_TIMEOUT_S", "TIMEOUT_S"} <= set(timings)
    docs = rendered["production"]
    config_map = one(docs, "ConfigMap")
    assert config_map["data"] == {key: str(value) for key, value in timings.items()}
    main = container(docs)
    assert main["envFrom"] == [{"configMapRef": {"name": config_map["metadata"]["name"]}}]
    assert not set(timings) & {e["name"] for e in main.get("env", [])}, "a timing set a second time in env"


def test_grace_period_covers_the_drain_delay_and_gunicorns_graceful_timeout(rendered):
    timings = read_timings()
    spec = pod_spec(rendered["production"])
    # The service does the drain delay itself on SIGTERM; a preStop sleep would run before SIGTERM and
    # count against the same grace period, so it has to fit in it too.
    pre_stop = container(rendered["production"]).get("lifecycle", {}).get("preStop")
    pre_stop_s = pre_stop["sleep"]["seconds"] if pre_stop else 0
    assert pre_stop is None or set(pre_stop) == {"sleep"}, "only a sleep preStop is accounted for"
    needed = pre_stop_s + timings["DRAIN_DELAY_S"] + timings["GRACEFUL_TIMEOUT_S"] + EXIT_MARGIN_S
    assert spec["terminationGracePeriodSeconds"] >= needed
    # gunicorn's master waits for the drain delay and the graceful timeout, both from the settings this file feeds.
    assert re.search(r"^graceful_timeout = settings\.drain_delay_s \+ settings\.graceful_timeout_s$",
                     source_defining("graceful_timeout ="), re.M)


def test_liveness_gives_up_after_gunicorn_replaces_a_hung_worker(rendered):
    probe = container(rendered["production"])["livenessProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] > read_timings()["TIMEOUT_S"]
    assert re.search(r"^timeout = settings\.timeout_s$", source_defining("graceful_timeout ="), re.M)


# Read by load balancers that check /ready (deploy/haproxy, tests/fleet), not by the service.
BALANCER_TIMINGS = {"READY_CHECK_INTERVAL_S", "READY_CHECK_FALL"}


@pytest.mark.parametrize("key", sorted(set(read_timings()) - BALANCER_TIMINGS))
def test_settings_accept_each_timing(key):
    field = settings_field(key.lower())
    assert field is not None, f"the settings define no {key.lower()}: the service would ignore {key}"
    _, low, high = field
    assert low <= read_timings()[key] <= high


def test_a_balancer_notices_a_draining_instance_within_the_drain_delay():
    timings = read_timings()
    assert timings["READY_CHECK_INTERVAL_S"] * timings["READY_CHECK_FALL"] < timings["DRAIN_DELAY_S"]


def test_probes_port_and_paths_match_the_service(rendered):
    main = container(rendered["production"])
    (port,) = main["ports"]
    exposed = int(re.search(r"^EXPOSE (\d+)$", dockerfile(), re.M).group(1))
    assert port["containerPort"] == exposed == settings_field("port")[0]
    assert re.search(rf"\bPORT={exposed}\b", dockerfile())
    assert {"name": "PORT", "value": str(exposed)} in main["env"]
    for probe, path in [("startupProbe", "/ready"), ("readinessProbe", "/ready"), ("livenessProbe", "/health")]:
        assert main[probe]["httpGet"] == {"path": path, "port": port["name"]}
    routes = source_defining('.get("/ready")')
    assert '.get("/health")' in routes
    service = one(rendered["production"], "Service")
    assert service["spec"]["ports"] == [{"name": "http", "port": exposed, "targetPort": port["name"], "protocol": "TCP"}]
    assert service["spec"]["selector"] == one(rendered["production"], "Deployment")["spec"]["selector"]["matchLabels"]


def test_startup_probe_waits_longer_than_a_cold_start(rendered):
    probe = container(rendered["production"])["startupProbe"]
    # 1.85 s was the slowest cold start measured (deployment.yaml); allow ten times that at least.
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 10 * 1.85
    assert probe["periodSeconds"] == 1, "probed every second, so a started pod is ready within a second"


def test_security_context_matches_the_image(rendered):
    docs = rendered["production"]
    uid = int(re.search(r"useradd .*--uid (\d+)", dockerfile()).group(1))
    gid = int(re.search(r"groupadd .*--gid (\d+)", dockerfile()).group(1))
    assert re.search(rf"^USER {uid}:{gid}$", dockerfile(), re.M)
    pod = pod_spec(docs)["securityContext"]
    assert (pod["runAsUser"], pod["runAsGroup"], pod["fsGroup"], pod["runAsNonRoot"]) == (uid, gid, gid, True)
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    main = container(docs)["securityContext"]
    assert main["readOnlyRootFilesystem"] and main["runAsNonRoot"] and main["runAsUser"] == uid
    assert main["allowPrivilegeEscalation"] is False and main["capabilities"] == {"drop": ["ALL"]}
    assert pod_spec(docs)["automountServiceAccountToken"] is False


def test_the_only_writable_paths_are_the_ones_the_service_writes(rendered):
    docs = rendered["production"]
    gunicorn_conf = source_defining("graceful_timeout =")
    # Prometheus multiprocess files: a mkdtemp (bootstrap), under /tmp. Worker heartbeats: /dev/shm, the runtime's tmpfs.
    assert "tempfile.mkdtemp(" in source_defining("def bootstrap(") and 'worker_tmp_dir = "/dev/shm"' in gunicorn_conf
    volumes = {v["name"]: v for v in pod_spec(docs)["volumes"]}
    mounts = {m["mountPath"]: m for m in container(docs)["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    assert all(m.get("readOnly") for path, m in mounts.items() if path != "/tmp")


def test_models_from_a_volume_are_copied_by_an_init_container_and_read_only_to_the_service(rendered):
    docs = rendered["production+model-volume"]
    env = {e["name"]: e.get("value") for e in container(docs)["env"]}
    mounts = {m["mountPath"]: m for m in container(docs)["volumeMounts"]}
    assert mounts[env["MODELS_DIR"]]["readOnly"] and env["DEFAULT_MODEL"] == Settings().model_dir.name
    (init,) = pod_spec(docs)["initContainers"]
    (target,) = [m["mountPath"] for m in init["volumeMounts"] if m["name"] == mounts[env["MODELS_DIR"]]["name"]]
    assert init["command"][-1].rstrip("/") == target and init["image"].startswith("ghcr.io/")
    assert init["securityContext"] == container(docs)["securityContext"]
    volumes = {v["name"]: v for v in pod_spec(docs)["volumes"]}
    assert "emptyDir" in volumes[mounts[env["MODELS_DIR"]]["name"]]
    # The model image holds model directories under the folder the init container copies from.
    model_image = (ROOT / "deploy" / "models" / "Dockerfile").read_text()
    assert re.search(rf"^COPY .* {re.escape(init['command'][-2].rstrip('/.'))}$", model_image, re.M)


def test_resources_are_guaranteed_whole_cpus(rendered):
    resources = container(rendered["production"])["resources"]
    assert resources["requests"] == resources["limits"], "Guaranteed QoS: requests equal limits"
    assert re.fullmatch(r"[1-9]\d*", str(resources["limits"]["cpu"])), "whole CPUs: one gunicorn worker each"


def test_api_keys_come_from_a_secret_file(rendered):
    docs = rendered["production"]
    env = {e["name"]: e for e in container(docs)["env"]}
    assert "API_KEYS" not in env
    keys_file = Path(env["API_KEYS_FILE"]["value"])
    mount = next(m for m in container(docs)["volumeMounts"] if keys_file.parent == Path(m["mountPath"]))
    volume = next(v for v in pod_spec(docs)["volumes"] if v["name"] == mount["name"])
    assert "secretName" in volume["secret"] and mount["readOnly"]


# --- monitoring -------------------------------------------------------------------------------------

def render_rules_module():
    spec = importlib.util.spec_from_file_location("render_rules", KUBE / "render_rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prometheus_rule_holds_exactly_the_alert_rules(rendered):
    alerts = yaml.safe_load((ROOT / "deploy" / "monitoring" / "alerts.yml").read_text())
    rule = one(rendered["production"], "PrometheusRule")
    assert rule["spec"]["groups"] == alerts["groups"]
    # And the checked-in file is what the script writes today.
    assert (KUBE / "base" / "prometheusrule.yaml").read_text() == render_rules_module().render()


def test_servicemonitor_scrapes_the_job_the_alerts_select(rendered):
    docs = rendered["production"]
    alerts = (ROOT / "deploy" / "monitoring" / "alerts.yml").read_text()
    service = one(docs, "Service")
    # The Prometheus Operator names the job after the Service.
    assert set(re.findall(r'job="([^"]+)"', alerts)) == {service["metadata"]["name"]}
    monitor = one(docs, "ServiceMonitor")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"] == [{**monitor["spec"]["endpoints"][0], "port": "http", "path": "/metrics"}]


def test_network_policy_denies_all_but_the_service_port(rendered):
    policies = {p["metadata"]["name"]: p["spec"] for p in rendered["production"] if p["kind"] == "NetworkPolicy"}
    deny = policies.pop("default-deny")
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    (allow,) = policies.values()
    assert allow["policyTypes"] == ["Ingress"]
    assert all(rule["ports"] == [{"port": "http", "protocol": "TCP"}] for rule in allow["ingress"])
    sources = [peer for rule in allow["ingress"] for peer in rule["from"]]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}} in sources


def test_adapter_rule_serves_the_metric_the_autoscaler_asks_for(rendered):
    hpa = one(rendered["production+prometheus-adapter"], "HorizontalPodAutoscaler")
    assert [m["type"] for m in hpa["spec"]["metrics"]] == ["Resource", "Pods"]
    wanted = hpa["spec"]["metrics"][1]["pods"]["metric"]["name"]
    (rule,) = yaml.safe_load((KUBE / "components" / "prometheus-adapter" / "adapter-rules.yaml").read_text())["rules"]
    assert rule["name"]["as"] == wanted
    # Every series the rule reads is one the service exports.
    histogram = re.search(r"^(\w+)_sum\b", rule["seriesQuery"]).group(1)
    assert source_defining(f'"{histogram}"'), f"the service exports no {histogram}"
    assert set(re.findall(r"\b(sentiment_\w+?)_(?:sum|count)\b", rule["metricsQuery"])) == {histogram}


# --- the cluster's view -----------------------------------------------------------------------------

@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_document_validates_strictly_against_the_api(rendered, rendered_files, version):
    validate = k8s_tool("kubernetes-validate")
    result = subprocess.run([str(validate), "--strict", "--kubernetes-version", version, *map(str, rendered_files)],
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    unvalidated = set(re.findall(r"Couldn't find schema for kind (\w+)", output))
    assert unvalidated <= SCHEMALESS_KINDS, f"no schema for {unvalidated - SCHEMALESS_KINDS}"
    validated = sum(1 for docs in rendered.values() for d in docs if d["kind"] not in SCHEMALESS_KINDS)
    assert output.count("passed for resource") == validated, output


def test_checkov_finds_no_failed_check(rendered, rendered_files):
    checkov = k8s_tool("checkov")
    # --skip-download: no call home for guidelines; the checks themselves ship in the package.
    result = subprocess.run([str(checkov), "--directory", str(rendered_files[0].parent), "--framework", "kubernetes",
                             "--skip-download", "--quiet", "--compact", "--output", "json"],
                            capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    failed = [(c["check_id"], c["resource"], c["check_name"]) for c in report["results"]["failed_checks"]]
    assert failed == [] and result.returncode == 0
    assert report["summary"]["parsing_errors"] == 0
    # It scanned every document (it counts each pod template's containers as resources of their own, too).
    assert report["summary"]["resource_count"] >= sum(len(docs) for docs in rendered.values())


def test_every_checkov_skip_says_why(rendered):
    skips = [value for docs in rendered.values() for d in docs
             for key, value in d["metadata"].get("annotations", {}).items() if key.startswith("checkov.io/skip")]
    assert skips, "the Deployment documents its skips"
    for value in skips:
        assert re.fullmatch(r"CKV2?_K8S_\d+=\S.{30,}", value), f"a skip without a reason: {value}"
