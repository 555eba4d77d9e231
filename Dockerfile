# syntax=docker/dockerfile:1
# Two stages: `builder` installs the pinned runtime dependencies into /opt/venv; `runtime` copies only
# that virtualenv, the app and the shipped model onto a clean base, and runs as a non-root user.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# binutils only for `strip`, in this stage only: debug symbols are half of onnxruntime's library.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends binutils \
    && rm -rf /var/lib/apt/lists/*
# Dependencies before code: this layer is rebuilt only when app/requirements.txt changes.
COPY app/requirements.txt /tmp/requirements.txt
# --no-deps: the requirements file is the complete, exact list (see its header).
# Then drop what the service never runs: pip itself, test suites (and numpy's compiled test modules),
# onnxruntime's offline tooling (quantization, transformer optimizer), numpy's build tooling (f2py,
# distutils: imported only on demand) and C headers and static libraries, type stubs (.pyi, read by type
# checkers only), onnxruntime's C-API library (the Python module links the runtime in statically;
# tests/container proves inference without it), and the debug symbols in onnxruntime's
# and tokenizers' and sentencex's libraries (numpy's bundled OpenBLAS is left alone: auditwheel-patched ELF
# breaks if stripped; sentencex's 4.2 MB extension is 3.1 MB stripped, and segments the same).
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-deps -r /tmp/requirements.txt \
    && /opt/venv/bin/pip uninstall -y pip setuptools \
    && SITE=$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
    && rm -f "$SITE"/onnxruntime/capi/libonnxruntime.so.* \
    && rm -rf "$SITE"/onnxruntime/transformers "$SITE"/onnxruntime/quantization "$SITE"/onnxruntime/tools \
              "$SITE"/onnxruntime/datasets "$SITE"/numpy/f2py "$SITE"/numpy/_pyinstaller "$SITE"/numpy/distutils \
              "$SITE"/numpy/_core/include "$SITE"/numpy/_core/lib "$SITE"/numpy/random/lib "$SITE"/numpy/random/_examples \
              "$SITE"/numpy/_core/_multiarray_tests.*.so "$SITE"/numpy/_core/_umath_tests.*.so \
              "$SITE"/numpy/_core/_rational_tests.*.so \
    && find "$SITE" -depth -type d \( -name tests -o -name testing -o -name __pycache__ \) -exec rm -rf {} + \
    && find "$SITE" -name '*.pyi' -delete \
    && strip --strip-unneeded "$SITE"/onnxruntime/capi/*.so "$SITE"/tokenizers/*.so "$SITE"/sentencex/*.so \
    && /opt/venv/bin/python -m compileall -q -j 0 "$SITE" /opt/venv/lib

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.0.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/sentiment-service/sentiment-service
LABEL org.opencontainers.image.title="sentiment-service" \
      org.opencontainers.image.description="Self-hosted sentiment-analysis inference service (ONNX Runtime, int8 MiniLM)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
# A fixed UID/GID so volume permissions and runAsUser policies can name it; no home, no login shell.
RUN groupadd --system --gid 10001 appuser \
    && useradd --system --uid 10001 --gid appuser --no-create-home --home-dir /nonexistent \
               --shell /usr/sbin/nologin appuser
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ORT_DISABLE_TELEMETRY=1 \
    PYTHONPATH=/app/app \
    PORT=8000 \
    MODEL_DIR=/app/models/sentiment-minilm-l6 \
    GIT_COMMIT=${REVISION}
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The model changes less often than the code, so its layer comes first.
COPY models/ /app/models/
# app/ holds the import package (app/sentiment_service, on PYTHONPATH), gunicorn_conf.py, VERSION and the
# requirements the builder stage installed.
COPY app/ /app/app/
RUN python -m compileall -q /app/app
USER 10001:10001
EXPOSE 8000
# /ready, not /health: the container is healthy only once the model is loaded and warmed up.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["python", "-m", "sentiment_service.healthcheck"]
CMD ["gunicorn", "-c", "app/gunicorn_conf.py", "sentiment_service.wsgi:app"]
