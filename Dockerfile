# Slim image of the gateway: the package exactly as `pip install .` installs it (the
# default rules inside), run as a non-root user.  /app/rules is the copy IT can replace
# by mounting its own rules directory (deploy/docker-compose.yml); a rules file that names
# no detection or policy data gets the defaults shipped in the package.
# BASE: any Debian-like image with Python >= 3.11 and its venv module (deploy/check-image.sh
# builds on a local Debian bookworm base where Docker Hub cannot be reached).
ARG BASE=python:3.11-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GATEWAY_DATABASE_URL=sqlite:////data/gateway.db \
    PATH=/opt/gateway/bin:$PATH

WORKDIR /app
COPY pyproject.toml setup.py MANIFEST.in README.md LICENSE /src/
COPY gateway /src/gateway
COPY rules /src/rules
# A virtual environment: the same on the official Python image and on a distribution's
# Python (which refuses system-wide pip installs, PEP 668).
RUN python3 -m venv /opt/gateway \
    && pip install /src \
    && cp -r /src/rules /app/rules && rm -rf /src \
    && useradd --system --uid 10001 --home-dir /app gateway \
    && mkdir -p /data && chown gateway /data

USER gateway
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"
CMD ["gateway", "serve", "--config", "/app/rules/gateway.yaml", "--host", "0.0.0.0", "--port", "8080"]
