"""Typed service settings: the one reader of environment variables (the bulk score command reads MODEL_DIR
and LOG_LEVEL itself, see bulk/cli.py)."""

import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sentiment_service.host import DEFAULT_MODEL_DIR, available_cpus
from sentiment_service.logs import LOG_LEVELS
from sentiment_service.predictor.call_budget import CallBudget
from sentiment_service.predictor.limits import ServingLimits
from sentiment_service.predictor.manifest import model_directories
from sentiment_service.predictor.text_rules import DEFAULT_MAX_TEXT_CHARS

__all__ = ["DEFAULT_MODEL_DIR", "Settings", "available_cpus", "load_settings"]

# The batching and queueing defaults are written once, in CallBudget and ServingLimits, with the reasons for each.
_BUDGET, _LIMITS = CallBudget(), ServingLimits()


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Every knob of the service, read once at start-up. Names are the environment variables."""

    # Empty variables count as unset, so Compose can pass through `VAR: ${VAR:-}` safely.
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", protected_namespaces=(), env_ignore_empty=True)

    # Serving
    port: int = Field(8000, ge=1, le=65535)
    bind_host: str = "0.0.0.0"
    workers: int | None = Field(None, ge=1, le=64, description="gunicorn workers; default from CPUs")
    # Request threads mostly wait on the batcher, so there are many: every connection that has sent a
    # request gets a thread at once, and admission control (not a hidden queue) decides who waits.
    threads: int = Field(64, ge=4, le=512, description="request threads per worker (they wait on the batcher)")
    worker_connections: int = Field(1000, ge=1, le=100_000, description="open client connections per worker")
    timeout_s: int = Field(30, ge=1, le=600)
    graceful_timeout_s: int = Field(20, ge=1, le=600)
    # After SIGTERM: /ready says 503 at once, but connections are still accepted for this long, so load
    # balancers notice before the listener closes. 0 outside orchestrators (see deploy/kubernetes).
    drain_delay_s: int = Field(0, ge=0, le=300)
    keepalive_s: int = Field(5, ge=0, le=300)

    # Model and inference
    model_dir: Path = DEFAULT_MODEL_DIR
    # A folder of model directories, all served at once (each its own batching queue); a request's "model" picks
    # one by its manifest's name, DEFAULT_MODEL (needed when there are several) answers the others.
    models_dir: Path | None = None
    default_model: str | None = None
    intra_op_threads: int | None = Field(None, ge=1, le=64, description="onnxruntime threads per worker")
    batch_max_texts: int = Field(_BUDGET.max_texts, ge=1, le=4096, description="texts per inference call")
    batch_max_tokens: int = Field(_BUDGET.max_tokens, ge=64, le=1_000_000, description="padded tokens per inference call")
    batch_wait_ms: float = Field(_LIMITS.wait_s * 1000, ge=0, le=1000)
    cache_size: int = Field(0, ge=0, le=10_000_000)
    # "binary": answer negative/positive only, renormalised over the two, as two-label clients expect.
    response_labels: Literal["all", "binary"] = "all"
    # How a text longer than the model's window is read unless a request says ("long_text"): "document", whole
    # (its sentences packed into windows and combined), or "truncate", its first window only, as 1.0 did.
    long_texts: Literal["document", "truncate"] = "document"

    # Limits and backpressure
    max_body_bytes: int = Field(1_000_000, ge=1024)
    max_text_chars: int = Field(DEFAULT_MAX_TEXT_CHARS, ge=1)
    max_batch_texts: int = Field(256, ge=1)
    # /explain scores the text once per word plus once whole, so this bounds it like a batch of that many texts.
    explain_max_words: int = Field(100, ge=1, le=1000)
    max_queued_texts: int = Field(_LIMITS.max_queued_texts, ge=1, description="per worker; beyond it requests get 429")
    request_deadline_s: float = Field(_LIMITS.deadline_s, gt=0, le=600)

    # Access control and HTTP hardening
    api_keys: Annotated[list[SecretStr], NoDecode] = []
    api_keys_file: Path | None = None
    metrics_require_key: bool = False
    cors_origins: Annotated[list[str], NoDecode] = []
    # The playground page at / (static files, no data of its own); off answers 404 for it and its assets.
    playground: bool = True

    # Logs and build metadata
    log_level: Literal[LOG_LEVELS] = "info"
    log_texts: bool = False
    git_commit: str | None = None
    # prometheus-client's own variable for its multiprocess mode. bootstrap() sets it under gunicorn
    # (a fresh directory unless given), so every worker reads the same value; unset in a single process.
    prometheus_multiproc_dir: Path | None = None

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _read_keys_file(self) -> "Settings":
        if self.api_keys_file is not None:
            try:
                lines = self.api_keys_file.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ValueError(f"API_KEYS_FILE cannot be read: {exc.strerror}") from None
            self.api_keys = self.api_keys + [SecretStr(k.strip()) for k in lines if k.strip() and not k.startswith("#")]
        if self.models_dir is not None and "model_dir" in self.model_fields_set:
            raise ValueError("set MODEL_DIR (one model) or MODELS_DIR (a folder of them), not both")
        if any(origin == "*" for origin in self.cors_origins):
            raise ValueError("CORS_ORIGINS must list explicit origins, not '*'")
        return self

    def model_dirs(self) -> list[Path]:
        """The model directories to serve: MODEL_DIR, or every one in MODELS_DIR; raises ModelLoadError."""
        return [self.model_dir] if self.models_dir is None else model_directories(self.models_dir)

    @property
    def worker_count(self) -> int:
        # One worker per core: inference is CPU-bound, so 2x cores would only oversubscribe.
        return self.workers or available_cpus()

    @property
    def serving_limits(self) -> ServingLimits:
        # A quarter of the request threads (at least 2) never wait on the batcher: they answer probes
        # and refusals at once while the others wait.
        reserve = max(2, self.threads // 4)
        return ServingLimits(call_budget=CallBudget(max_texts=self.batch_max_texts, max_tokens=self.batch_max_tokens),
                             wait_s=self.batch_wait_ms / 1000, max_queued_texts=self.max_queued_texts,
                             deadline_s=self.request_deadline_s, max_waiting_requests=self.threads - reserve)

    @property
    def ort_threads(self) -> int:
        # Workers x intra-op threads = the CPUs we may use; more threads than cores only add contention.
        return self.intra_op_threads or max(1, available_cpus() // self.worker_count)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; on a bad value print which variable and exit(2)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors():
            name = "_".join(str(p) for p in error["loc"]).upper() or "settings"
            # Never echo a value that may be a secret.
            shown = "" if "KEY" in name or not error["loc"] else f" (got {error.get('input')!r})"
            print(f"invalid setting {name}: {error['msg']}{shown}", file=sys.stderr)
        raise SystemExit(2) from None
