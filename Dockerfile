# Slim image of the gateway: the same package as `pip install .`, run as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GATEWAY_DATABASE_URL=sqlite:////data/gateway.db

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY gateway ./gateway
COPY rules ./rules
COPY models ./models
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /app gateway \
    && mkdir -p /data && chown gateway /data

USER gateway
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"
CMD ["gateway", "serve", "--config", "/app/rules/gateway.yaml", "--host", "0.0.0.0", "--port", "8080"]
