"""Prometheus metrics. Correct under several gunicorn workers through prometheus-client's
multiprocess mode, which bootstrap() switches on in the gunicorn master, before any worker imports this."""

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

from sentiment_service.predictor.contract import ModelInfo, Prediction

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10)
SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

REQUESTS = Counter("sentiment_http_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
REQUEST_SECONDS = Histogram("sentiment_http_request_duration_seconds", "Time to answer a request",
                            ["endpoint", "status"], buckets=LATENCY_BUCKETS)
REJECTIONS = Counter("sentiment_rejections_total", "Requests refused, by reason", ["reason"])
# Everything below the HTTP layer is per model (the `model` label is the manifest's name): with MODELS_DIR each
# model has its own queue, batcher and cost model.
REQUEST_TEXTS = Histogram("sentiment_request_texts", "Texts per scoring request", ["model"], buckets=SIZE_BUCKETS)
TEXTS_SCORED = Counter("sentiment_texts_scored_total", "Texts scored by the model", ["model"])
TRUNCATED = Counter("sentiment_texts_truncated_total", "Texts cut to the model's token window", ["model"])
PREDICTIONS = Counter("sentiment_predictions_total", "Predictions by label", ["model", "label"])
CONFIDENCE = Histogram("sentiment_prediction_confidence", "Probability of the predicted label", ["model"],
                       buckets=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0))
QUEUE_SECONDS = Histogram("sentiment_queue_wait_seconds", "Time a job waited for the batcher", ["model"],
                          buckets=LATENCY_BUCKETS)
TOKENIZE_SECONDS = Histogram("sentiment_tokenize_seconds", "Tokenization time per request", ["model"],
                             buckets=LATENCY_BUCKETS)
ADMISSION_REFUSALS = Counter("sentiment_admission_refusals_total",
                             "Requests refused at once by admission control, by reason (deadline, threads, queue_texts)",
                             ["model", "reason"])
PREDICTED_WAIT = Gauge("sentiment_predicted_wait_seconds",
                       "Predicted queue wait for a request admitted now, in the busiest worker", ["model"],
                       multiprocess_mode="livemax")
DRAINING = Gauge("sentiment_draining", "1 once the instance got SIGTERM and is draining", multiprocess_mode="livemax")
WAITING_FOR_THREAD = Gauge("sentiment_requests_waiting_for_thread",
                           "Requests read from a connection but not yet picked up by a request thread",
                           multiprocess_mode="livesum")
OPEN_CONNECTIONS = Gauge("sentiment_open_connections", "Client connections held open (active and keep-alive)",
                         multiprocess_mode="livesum")
INFERENCE_SECONDS = Histogram("sentiment_inference_seconds", "onnxruntime time per model batch", ["model"],
                              buckets=LATENCY_BUCKETS)
BATCH_TEXTS = Histogram("sentiment_inference_batch_texts", "Texts per model batch (after coalescing)", ["model"],
                        buckets=SIZE_BUCKETS)
# Admission control's prediction against what happened, per lane (lanes.py): rate(_sum) / rate(_count) of the two
# are the mean predicted and actual seconds from admission to answer, which the dashboard sets side by side.
ANSWER_PREDICTED_SECONDS = Histogram("sentiment_answer_predicted_seconds",
                                     "Seconds from admission to answer that admission control predicted, per job",
                                     ["model", "lane"], buckets=LATENCY_BUCKETS)
ANSWER_SECONDS = Histogram("sentiment_answer_seconds", "Seconds from admission to answer, per job",
                           ["model", "lane"], buckets=LATENCY_BUCKETS)
# How many inference calls for other jobs ran while a job waited: a light job should wait for about one.
CALLS_WAITED = Histogram("sentiment_answer_calls_waited", "Inference calls for other jobs between a job's admission "
                         "and its answer", ["model", "lane"], buckets=(0, 1, 2, 4, 8, 16, 32, 64, 128))
CACHE = Counter("sentiment_cache_lookups_total", "Exact-text cache lookups", ["model", "result"])
BUILD_INFO = Gauge("sentiment_build_info", "Versions of the running service and model (value 1)",
                   ["version", "commit", "model_name", "model_version"], multiprocess_mode="max")


class MetricsObserver:
    """Receives one model's predictor's reports (InferenceObserver) and records them under its `model` label."""

    def __init__(self, service_version: str, git_commit: str | None, model: str):
        self.service_version, self.git_commit, self.model = service_version, git_commit or "unknown", model

    def model_loaded(self, info: ModelInfo) -> None:
        BUILD_INFO.labels(self.service_version, self.git_commit, info.name, info.version).set(1)

    def tokenized(self, seconds: float) -> None:
        TOKENIZE_SECONDS.labels(self.model).observe(seconds)

    def backlog(self, predicted_wait_s: float) -> None:
        PREDICTED_WAIT.labels(self.model).set(predicted_wait_s)

    def refused(self, reason: str, predicted_wait_s: float) -> None:
        ADMISSION_REFUSALS.labels(self.model, reason).inc()
        PREDICTED_WAIT.labels(self.model).set(predicted_wait_s)

    def queued(self, wait_s: float) -> None:
        QUEUE_SECONDS.labels(self.model).observe(wait_s)

    def batch_scored(self, texts: int, inference_s: float) -> None:
        BATCH_TEXTS.labels(self.model).observe(texts)
        INFERENCE_SECONDS.labels(self.model).observe(inference_s)

    def answered(self, lane: str, predicted_s: float, actual_s: float, calls_waited: int) -> None:
        ANSWER_PREDICTED_SECONDS.labels(self.model, lane).observe(predicted_s)
        ANSWER_SECONDS.labels(self.model, lane).observe(actual_s)
        CALLS_WAITED.labels(self.model, lane).observe(calls_waited)

    def cache_lookup(self, hits: int, misses: int) -> None:
        if hits:
            CACHE.labels(self.model, "hit").inc(hits)
        if misses:
            CACHE.labels(self.model, "miss").inc(misses)

    def predicted(self, predictions: list[Prediction]) -> None:
        REQUEST_TEXTS.labels(self.model).observe(len(predictions))
        TEXTS_SCORED.labels(self.model).inc(len(predictions))
        for p in predictions:
            PREDICTIONS.labels(self.model, p.label).inc()
            CONFIDENCE.labels(self.model).observe(p.score)
            if p.truncated:
                TRUNCATED.labels(self.model).inc()


def exposition(multiprocess_dir) -> bytes:
    """The text exposition for /metrics: merged across workers when running under gunicorn."""
    if multiprocess_dir is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(multiprocess_dir))
    return generate_latest(registry)
