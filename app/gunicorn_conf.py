"""Gunicorn configuration: `gunicorn -c app/gunicorn_conf.py sentiment_service.wsgi:app`.

Every value comes from sentiment_service.settings (the environment), so a bad variable stops the master
at start. bootstrap() runs first, in the master, so every worker it forks inherits what it sets up. Nothing
imported here may import prometheus_client, onnxruntime or tokenizers: they read that setup when imported.
"""

import os

from sentiment_service.bootstrap import bootstrap
from sentiment_service.logs import JsonFormatter
from sentiment_service.server import hooks
from sentiment_service.settings import load_settings

settings = bootstrap(load_settings(), multiprocess_metrics=True)

# 0.0.0.0 so the port is reachable from outside a container; 127.0.0.1 there would accept nothing.
bind = f"{settings.bind_host}:{settings.port}"
# One process per CPU we may use (cgroup quota respected): inference is CPU-bound, so the usual
# "2 x cores + 1" would only make workers fight over cores. Measured in bench/: see the README.
workers = settings.worker_count
# gthread (request threads only parse, validate and wait while the worker's single batcher thread runs
# the model, so concurrent requests to one worker are coalesced into one inference call), plus a drain
# that resets no connection on SIGTERM: see sentiment_service/server/worker.py.
worker_class = "sentiment_service.server.worker.DrainingThreadWorker"
# Many threads, because they mostly wait: a connection that sent a request gets a thread at once, so no
# request waits unseen in the thread pool's queue; admission control refuses what cannot meet the deadline.
threads = settings.threads
# Connections held open per worker, idle keep-alive ones included. Above THREADS so a new connection (a
# probe, a new client) is accepted at once instead of waiting in the kernel's listen backlog.
worker_connections = settings.worker_connections
# Below a typical load balancer idle timeout (60 s) so gunicorn, not the balancer, ends idle connections.
keepalive = settings.keepalive_s
# A worker that stops heart-beating this long is killed and replaced (a hung process, not a slow request:
# slow requests are answered 503 by the request deadline well before this).
timeout = settings.timeout_s
# SIGTERM -> keep serving DRAIN_DELAY_S (while load balancers notice /ready's 503), then finish accepted
# requests for up to GRACEFUL_TIMEOUT_S. The master waits for both before it kills a worker. Keep the sum
# below the orchestrator's grace period (docker stop's default is 10 s; compose and Kubernetes set more:
# deploy/kubernetes/base/timings.env is the one source of these numbers for a cluster).
graceful_timeout = settings.drain_delay_s + settings.graceful_timeout_s
# Each worker loads its own onnxruntime session after fork; sessions are not fork-safe, so no preload.
preload_app = False
# Bounded request line and headers (gunicorn's defaults are generous); bodies are bounded by the app.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# No runtime control socket (gunicorn >= 25 creates one under $HOME): less surface, and the image's
# root filesystem is read-only. Scale by replicas; swap models with HUP (the runbook says how).
control_socket_disable = True
# Heartbeat files on tmpfs: works with a read-only root filesystem and never blocks on a slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The app writes one JSON access line per request; gunicorn's own access log would duplicate it.
accesslog = None
errorlog = "-"
loglevel = settings.log_level
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    # Written by a thread of each process, so no request thread waits on a write (sentiment_service/logs.py).
    "handlers": {"stdout": {"class": "sentiment_service.logs.BackgroundStreamHandler", "formatter": "json",
                            "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["stdout"], "level": settings.log_level.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": settings.log_level.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
# No product/version banner in the Server header.
hooks.hide_server_version()

# The server hooks live in sentiment_service/server/hooks.py.
on_starting = hooks.refuse_bad_model_directories(settings)
# HUP: gunicorn reads this file again, starts new workers (which load the model directories as they are now) and
# drains the old ones: how a model is swapped without dropping a request (runbook, "Swap a model").
on_reload = hooks.report_models_on_reload(settings)
when_ready = hooks.when_ready
worker_exit = hooks.worker_exit
child_exit = hooks.child_exit
